// The part of the DMDA grid a rank owns, and index arithmetic into owned (global Vec) and
// ghosted (local Vec) arrays. 2D grids have one cell along axis 2.
#pragma once

#include <petscdmda.h>

namespace fno::sim {

struct CellBlock {
  PetscInt start[3] = {0, 0, 0}, size[3] = {1, 1, 1};               // owned cells
  PetscInt ghost_start[3] = {0, 0, 0}, ghost_size[3] = {1, 1, 1};   // owned + ghost cells
  PetscInt global[3] = {1, 1, 1};                                   // whole grid

  PetscInt Owned(PetscInt i, PetscInt j, PetscInt k) const {
    return ((k - start[2]) * size[1] + (j - start[1])) * size[0] + (i - start[0]);
  }
  PetscInt Ghosted(PetscInt i, PetscInt j, PetscInt k) const {
    return ((k - ghost_start[2]) * ghost_size[1] + (j - ghost_start[1])) * ghost_size[0] + (i - ghost_start[0]);
  }
  PetscInt OwnedCount() const { return size[0] * size[1] * size[2]; }
};

inline PetscErrorCode GetCellBlock(DM da, CellBlock* block) {
  PetscFunctionBeginUser;
  PetscCall(DMDAGetCorners(da, &block->start[0], &block->start[1], &block->start[2], &block->size[0], &block->size[1],
                           &block->size[2]));
  PetscCall(DMDAGetGhostCorners(da, &block->ghost_start[0], &block->ghost_start[1], &block->ghost_start[2],
                                &block->ghost_size[0], &block->ghost_size[1], &block->ghost_size[2]));
  PetscCall(DMDAGetInfo(da, nullptr, &block->global[0], &block->global[1], &block->global[2], nullptr, nullptr, nullptr,
                        nullptr, nullptr, nullptr, nullptr, nullptr, nullptr));
  PetscFunctionReturn(0);
}

}  // namespace fno::sim
