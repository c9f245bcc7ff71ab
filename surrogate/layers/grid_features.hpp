// The FNO's input features and time padding.
//  - Coordinate channels (Li et al.'s get_grid): after the data channels the model appends
//    one channel per grid axis j holding linspace(0, 1, n_j) along j, computed from global
//    indices so that every partition sees the same values.
//  - Zero padding of the (local) time axis at its end by `pad` points before the Fourier
//    layers, and cropping back before the projection; each is the other's adjoint.
#pragma once
#include "fft/layout.hpp"

namespace fno {

// Coordinate of global index g on an axis of n points: g / (n - 1) (0 when n == 1).
double grid_coordinate(Index g, Index n);

// a = [x, coordinates] per batch entry; `grid` gives the local block (its lead is ignored).
// x [batch][in][local grid] -> a [batch][in + d][local grid]
template <class T>
void append_coordinates(const Layout& grid, Index batch, Index in, const T* x, T* a);
// Adjoint of append_coordinates with respect to x: the data channels of da.
// da [batch][in + d][local grid] -> dx [batch][in][local grid]
template <class T>
void data_channels_of(const Layout& grid, Index batch, Index in, const T* da, T* dx);

// y = x followed by `pad` zeros on every line.        x [lines][nt] -> y [lines][nt + pad]
template <class T>
void pad_time(Index lines, Index nt, Index pad, const T* x, T* y);
// x = the first nt points of every line (adjoint of pad_time).   y [lines][nt + pad] -> x [lines][nt]
template <class T>
void crop_time(Index lines, Index nt, Index pad, const T* y, T* x);

}  // namespace fno
