static char help[] = "Brusselator reaction-diffusion on a 2D DMDA (zero-flux walls), integrated with PETSc TS.\n\
  u_t = Du (u_xx + u_yy) + A - (B + 1) u + u^2 v\n\
  v_t = Dv (v_xx + v_yy) + B u - u^2 v\n\
Options: -A <a> -B <b> -Du <d> -Dv <d> -L <domain length>, the DMDA's -da_grid_x/-da_grid_y, and every TS option.\n\n";

/*
   A plain PETSc time-stepping program of the kind users write: a DMDA with two named fields,
   an RHS function and its Jacobian, Crank-Nicolson by default, options for everything.
   It knows nothing of petsc-fno; see README "Make a surrogate of your own PETSc program".
*/
#include <petscdmda.h>
#include <petscts.h>

typedef struct {
  PetscScalar u, v;
} Field;

typedef struct {
  PetscReal A, B, Du, Dv, L;
} AppCtx;

static PetscErrorCode RHSFunction(TS ts, PetscReal t, Vec X, Vec F, void *ptr)
{
  AppCtx      *app = (AppCtx *)ptr;
  DM           da;
  Vec          Xlocal;
  Field      **x, **f;
  PetscInt     i, j, xs, ys, xm, ym, Mx, My;
  PetscReal    hx, hy;
  PetscScalar  u, v, uxx, uyy, vxx, vyy;

  PetscFunctionBeginUser;
  PetscCall(TSGetDM(ts, &da));
  PetscCall(DMDAGetInfo(da, NULL, &Mx, &My, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  hx = app->L / Mx;
  hy = app->L / My;
  PetscCall(DMGetLocalVector(da, &Xlocal));
  PetscCall(DMGlobalToLocalBegin(da, X, INSERT_VALUES, Xlocal));
  PetscCall(DMGlobalToLocalEnd(da, X, INSERT_VALUES, Xlocal));
  PetscCall(DMDAVecGetArrayRead(da, Xlocal, &x));
  PetscCall(DMDAVecGetArray(da, F, &f));
  PetscCall(DMDAGetCorners(da, &xs, &ys, NULL, &xm, &ym, NULL));
  for (j = ys; j < ys + ym; j++) {
    for (i = xs; i < xs + xm; i++) {
      /* zero flux at the walls: the missing neighbour is the cell itself */
      const PetscInt ie = i < Mx - 1 ? i + 1 : i, iw = i > 0 ? i - 1 : i;
      const PetscInt jn = j < My - 1 ? j + 1 : j, js = j > 0 ? j - 1 : j;
      u   = x[j][i].u;
      v   = x[j][i].v;
      uxx = (x[j][ie].u - 2.0 * u + x[j][iw].u) / (hx * hx);
      uyy = (x[jn][i].u - 2.0 * u + x[js][i].u) / (hy * hy);
      vxx = (x[j][ie].v - 2.0 * v + x[j][iw].v) / (hx * hx);
      vyy = (x[jn][i].v - 2.0 * v + x[js][i].v) / (hy * hy);
      f[j][i].u = app->Du * (uxx + uyy) + app->A - (app->B + 1.0) * u + u * u * v;
      f[j][i].v = app->Dv * (vxx + vyy) + app->B * u - u * u * v;
    }
  }
  PetscCall(DMDAVecRestoreArrayRead(da, Xlocal, &x));
  PetscCall(DMDAVecRestoreArray(da, F, &f));
  PetscCall(DMRestoreLocalVector(da, &Xlocal));
  PetscCall(PetscLogFlops(30.0 * xm * ym));
  PetscFunctionReturn(0);
}

static PetscErrorCode RHSJacobian(TS ts, PetscReal t, Vec X, Mat J, Mat P, void *ptr)
{
  AppCtx     *app = (AppCtx *)ptr;
  DM          da;
  Vec         Xlocal;
  Field     **x;
  PetscInt    i, j, c, xs, ys, xm, ym, Mx, My;
  PetscReal   hx, hy;
  MatStencil  row, col[6];
  PetscScalar val[6], u, v;

  PetscFunctionBeginUser;
  PetscCall(TSGetDM(ts, &da));
  PetscCall(DMDAGetInfo(da, NULL, &Mx, &My, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  hx = app->L / Mx;
  hy = app->L / My;
  PetscCall(DMGetLocalVector(da, &Xlocal));
  PetscCall(DMGlobalToLocalBegin(da, X, INSERT_VALUES, Xlocal));
  PetscCall(DMGlobalToLocalEnd(da, X, INSERT_VALUES, Xlocal));
  PetscCall(DMDAVecGetArrayRead(da, Xlocal, &x));
  PetscCall(DMDAGetCorners(da, &xs, &ys, NULL, &xm, &ym, NULL));
  PetscCall(MatZeroEntries(P));
  for (j = ys; j < ys + ym; j++) {
    for (i = xs; i < xs + xm; i++) {
      const PetscInt ie = i < Mx - 1 ? i + 1 : i, iw = i > 0 ? i - 1 : i;
      const PetscInt jn = j < My - 1 ? j + 1 : j, js = j > 0 ? j - 1 : j;
      const PetscInt ni[4] = {ie, iw, i, i}, nj[4] = {j, j, jn, js};
      const PetscReal w[4] = {1.0 / (hx * hx), 1.0 / (hx * hx), 1.0 / (hy * hy), 1.0 / (hy * hy)};
      u = x[j][i].u;
      v = x[j][i].v;
      for (c = 0; c < 2; c++) {
        const PetscReal D = c == 0 ? app->Du : app->Dv;
        PetscInt        n = 0, k;
        row.i = i; row.j = j; row.c = c;
        /* reaction: d f_c / d(u, v) at the cell, and the diagonal of the Laplacian */
        col[n].i = i; col[n].j = j; col[n].c = 0;
        val[n++] = c == 0 ? -(app->B + 1.0) + 2.0 * u * v : app->B - 2.0 * u * v;
        col[n].i = i; col[n].j = j; col[n].c = 1;
        val[n++] = c == 0 ? u * u : -u * u;
        val[c] += -D * (w[0] + w[1] + w[2] + w[3]);
        for (k = 0; k < 4; k++) {
          col[n].i = ni[k]; col[n].j = nj[k]; col[n].c = c;
          val[n++] = D * w[k];
        }
        PetscCall(MatSetValuesStencil(P, 1, &row, n, col, val, ADD_VALUES));
      }
    }
  }
  PetscCall(DMDAVecRestoreArrayRead(da, Xlocal, &x));
  PetscCall(DMRestoreLocalVector(da, &Xlocal));
  PetscCall(MatAssemblyBegin(P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(P, MAT_FINAL_ASSEMBLY));
  if (J != P) {
    PetscCall(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
  }
  PetscFunctionReturn(0);
}

/* A smooth bump of u and the homogeneous steady state elsewhere. */
static PetscErrorCode InitialState(DM da, Vec X, AppCtx *app)
{
  Field  **x;
  PetscInt i, j, xs, ys, xm, ym, Mx, My;

  PetscFunctionBeginUser;
  PetscCall(DMDAGetInfo(da, NULL, &Mx, &My, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  PetscCall(DMDAVecGetArray(da, X, &x));
  PetscCall(DMDAGetCorners(da, &xs, &ys, NULL, &xm, &ym, NULL));
  for (j = ys; j < ys + ym; j++) {
    for (i = xs; i < xs + xm; i++) {
      const PetscReal px = (i + 0.5) / Mx - 0.4, py = (j + 0.5) / My - 0.55;
      x[j][i].u = app->A + 0.5 * PetscExpReal(-(px * px + py * py) / 0.02);
      x[j][i].v = app->B / app->A;
    }
  }
  PetscCall(DMDAVecRestoreArray(da, X, &x));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  TS     ts;
  DM     da;
  Vec    X;
  Mat    J;
  AppCtx app = {1.0, 1.8, 0.1, 0.4, 32.0};

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-A", &app.A, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-B", &app.B, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-Du", &app.Du, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-Dv", &app.Dv, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-L", &app.L, NULL));

  PetscCall(DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, 64, 64, PETSC_DECIDE,
                         PETSC_DECIDE, 2, 1, NULL, NULL, &da));
  PetscCall(DMSetFromOptions(da));
  PetscCall(DMSetUp(da));
  PetscCall(DMDASetFieldName(da, 0, "u"));
  PetscCall(DMDASetFieldName(da, 1, "v"));
  PetscCall(DMCreateGlobalVector(da, &X));
  PetscCall(DMCreateMatrix(da, &J));

  PetscCall(TSCreate(PETSC_COMM_WORLD, &ts));
  PetscCall(TSSetDM(ts, da));
  PetscCall(TSSetProblemType(ts, TS_NONLINEAR));
  PetscCall(TSSetType(ts, TSCN));
  PetscCall(TSSetRHSFunction(ts, NULL, RHSFunction, &app));
  PetscCall(TSSetRHSJacobian(ts, J, J, RHSJacobian, &app));
  PetscCall(TSSetMaxTime(ts, 10.0));
  PetscCall(TSSetTimeStep(ts, 0.01));
  PetscCall(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  PetscCall(TSSetFromOptions(ts));

  PetscCall(InitialState(da, X, &app));
  PetscCall(TSSolve(ts, X));

  PetscCall(MatDestroy(&J));
  PetscCall(VecDestroy(&X));
  PetscCall(TSDestroy(&ts));
  PetscCall(DMDestroy(&da));
  PetscCall(PetscFinalize());
  return 0;
}
