// A small RGB raster for figures a person reads: filled rectangles, fields drawn through a
// colour map, text in a built-in 5x7 bitmap font, and PNG output (zlib deflate, CRC-32).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace fno::training {

using Rgb = std::array<std::uint8_t, 3>;

// Piecewise-linear colour map through (position, colour) stops, positions increasing in [0, 1].
class ColorMap {
 public:
  struct Stop {
    double position;
    Rgb color;
  };
  explicit ColorMap(std::vector<Stop> stops) : stops_(std::move(stops)) {}
  Rgb operator()(double t) const;  // t clamped to [0, 1]; NaN maps to grey
  static ColorMap Saturation();    // white -> blues, for CO2 saturation in [0, 1]
  static ColorMap Sequential();    // dark violet -> blue -> green -> yellow (permeability)
  static ColorMap Diverging();     // blue -> white -> red (signed errors)

 private:
  std::vector<Stop> stops_;
};

class Image {
 public:
  Image(int width, int height, Rgb background = {255, 255, 255});
  int width() const { return width_; }
  int height() const { return height_; }
  void Set(int x, int y, Rgb color);
  Rgb Get(int x, int y) const;
  void FillRect(int x, int y, int w, int h, Rgb color);
  void Frame(int x, int y, int w, int h, Rgb color);  // one-pixel outline
  // Draws field[j * nx + i] (i along x, j down the image), each cell as scale x scale pixels,
  // colour map(value - lo) / (hi - lo)), with its top-left corner at (x, y).
  void DrawField(int x, int y, const std::vector<double>& field, int nx, int ny, int scale, double lo, double hi,
                 const ColorMap& map);
  // Text in the 5x7 font (upper case; letters, digits and . , : = + - ( ) / % _ and space),
  // each font pixel as size x size; returns the width drawn.
  int DrawText(int x, int y, const std::string& text, int size = 1, Rgb color = {0, 0, 0});
  static int TextWidth(const std::string& text, int size = 1) { return static_cast<int>(text.size()) * 6 * size; }
  static int TextHeight(int size = 1) { return 7 * size; }
  // A horizontal colour bar of width w and height h with its range written below.
  void ColorBar(int x, int y, int w, int h, const ColorMap& map, const std::string& lo_label,
                const std::string& hi_label, const std::string& title);

  // PNG bytes (8-bit RGB, no interlace) and writing them to a file (throws fno::Error).
  std::vector<std::uint8_t> EncodePng() const;
  void WritePng(const std::string& path) const;

 private:
  int width_, height_;
  std::vector<std::uint8_t> pixels_;  // rows of RGB
};

}  // namespace fno::training
