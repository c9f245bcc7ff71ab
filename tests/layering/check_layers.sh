#!/usr/bin/env bash
# The architecture's arrows point down: adapters -> plugin -> surrogate. The core never
# includes PETSc or VTK, uses HDF5 only in its file modules (model files, trajectory datasets), and nothing below
# includes from a layer above it.
set -u
root=$1
fail=0
bad=$(grep -rnE '#include *[<"](petsc|vtk|Vtk|VTK)' "$root/surrogate" 2>/dev/null)
if [ -n "$bad" ]; then echo "surrogate/ includes PETSc or VTK:"; echo "$bad"; fail=1; fi
bad=$(grep -rlE '#include *[<"](hdf5|H5)' "$root/surrogate" 2>/dev/null | grep -vE '/(model_file|trajectory_dataset|hdf5_[a-z_]*)\.(hpp|cpp)$|/tools/')
if [ -n "$bad" ]; then echo "surrogate/ uses HDF5 outside its file modules (model_file, trajectory_dataset):"; echo "$bad"; fail=1; fi
bad=$(grep -rnE '#include *[<"](\.\./)*(plugin|adapters)/' "$root/surrogate" "$root/plugin" 2>/dev/null | grep -v "^$root/plugin/.*plugin/")
if [ -n "$bad" ]; then echo "a lower layer includes from a higher one:"; echo "$bad"; fail=1; fi
[ $fail -eq 0 ] && echo "layers: ok"
exit $fail
