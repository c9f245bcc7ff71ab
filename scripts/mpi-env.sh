# Sourced by the scripts: lets OpenMPI run as root in containers, more ranks than cores,
# and one BLAS thread per rank (petsc-fno parallelises with MPI ranks).
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_hwloc_base_binding_policy=none
# Ranks waiting in MPI yield their core: with more ranks than cores (tests at 3 and 4 ranks on
# 2 cores) a spinning rank would otherwise steal the time its partner needs.
export OMPI_MCA_mpi_yield_when_idle=1
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
