#!/usr/bin/env bash
# The architecture's arrows point down: adapters -> plugin -> surrogate. The core never
# includes PETSc or VTK, uses HDF5 only in its file modules (surrogate/files/, the tools), and
# nothing below includes from a layer above it. Inside the core the same holds for its folders:
# common/ <- fft/ <- layers/ <- training/ <- files/ (a folder includes only from itself and
# the folders before it).
set -u
root=$1
fail=0
bad=$(grep -rnE '#include *[<"](petsc|vtk|Vtk|VTK)' "$root/surrogate" 2>/dev/null)
if [ -n "$bad" ]; then echo "surrogate/ includes PETSc or VTK:"; echo "$bad"; fail=1; fi
bad=$(grep -rlE '#include *[<"](hdf5|H5)' "$root/surrogate" 2>/dev/null | grep -vE '/surrogate/files/|/tools/')
if [ -n "$bad" ]; then echo "surrogate/ uses HDF5 outside its file modules (surrogate/files/):"; echo "$bad"; fail=1; fi
core_layers=(common fft layers training files)
for ((i = 0; i < ${#core_layers[@]}; i++)); do
  above=$(IFS='|'; echo "${core_layers[*]:i+1}")
  [ -z "$above" ] && continue
  [ -d "$root/surrogate/${core_layers[i]}" ] || { echo "surrogate/${core_layers[i]}/ is missing"; fail=1; continue; }
  bad=$(grep -rnE "#include *\"($above)/" "$root/surrogate/${core_layers[i]}")
  if [ -n "$bad" ]; then echo "surrogate/${core_layers[i]}/ includes from a core layer above it:"; echo "$bad"; fail=1; fi
done
bad=$(grep -rnE '#include *[<"](\.\./)*(plugin|adapters)/' "$root/surrogate" "$root/plugin" 2>/dev/null | grep -v "^$root/plugin/.*plugin/")
if [ -n "$bad" ]; then echo "a lower layer includes from a higher one:"; echo "$bad"; fail=1; fi
[ $fail -eq 0 ] && echo "layers: ok"
exit $fail
