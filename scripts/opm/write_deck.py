"""Writes the OPM Flow deck of the DESIGN.md benchmark case (64 x 1 x 64 slice, 10 x 10 x 5 m
cells, top 1000 m, 40 C, salinity 1 mol/kg, Corey SGOF with brine residual 0.2 and
quadratic curves, no capillary pressure, krg = 1 at Sg = 0.8, initially all brine, open right
side through MULTPV 1e4 on the last column, injector in column 1 perforated in the bottom
8 cells at 6000 sm3/day, 50 report steps of 73 days). The earth model (PERMX/PERMY/PERMZ/
PORO) is INCLUDEd from the file fno-sim -export_grdecl wrote.

usage: write_deck.py DECK.DATA EARTH_MODEL.grdecl [NX NZ]"""
import sys

deck, earth = sys.argv[1], sys.argv[2]
nx = int(sys.argv[3]) if len(sys.argv) > 3 else 64
nz = int(sys.argv[4]) if len(sys.argv) > 4 else 64
cells = nx * nz

swr, n = 0.2, 2.0  # brine residual, Corey exponents
rows = []
for i in range(0, 17):
    sg = 0.8 * i / 16
    krg = (sg / 0.8) ** n
    krog = ((1.0 - sg - swr) / (1.0 - swr)) ** n if sg < 0.8 else 0.0
    rows.append(f" {sg:.4f} {krg:.6f} {krog:.6f} 0.0")
rows.append(" 1.0000 1.000000 0.000000 0.0")

fipnum = "\n".join(" ".join("2" if i == nx - 1 else "1" for i in range(nx)) for _ in range(nz))
text = f"""-- OPM benchmark case of petsc-fno (scripts/opm/write_deck.py)
RUNSPEC
TITLE
 petsc-fno benchmark slice
DIMENS
 {nx} 1 {nz} /
OIL
GAS
DISGAS
CO2STORE
METRIC
START
 1 'JAN' 2025 /
WELLDIMS
 1 {nz} 1 1 /
TABDIMS
 1 1 40 40 /
EQLDIMS
/
UNIFOUT
GRID
INIT
DX
 {cells}*10 /
DY
 {cells}*10 /
DZ
 {cells}*5 /
TOPS
 {nx}*1000 /
INCLUDE
 '{earth}' /
EDIT
-- Open right side: the last column's pore volume times 1e4.
BOX
 {nx} {nx} 1 1 1 {nz} /
MULTPV
 {nz}*1e4 /
ENDBOX
PROPS
ROCK
 100 1e-6 /
SGOF
{chr(10).join(rows)}
/
RTEMP
 40 /
SALINITY
 1 /
REGIONS
-- Region 1: the model domain; region 2: the open-boundary column (MULTPV 1e4).
FIPNUM
{fipnum}
/
SOLUTION
EQUIL
-- datum  p(bar) owc    pcow  goc   pcgo  rsvd
 1000    104.1  5000   0     900   0     1 /
RSVD
 900 0
 2000 0 /
SUMMARY
FGIP
FGIPG
FGIPL
FGIT
RGIP
 1 2 /
RGIPG
 1 2 /
RGIPL
 1 2 /
SCHEDULE
RPTRST
 'BASIC=2' /
WELSPECS
 'INJ' 'G' 1 1 1* 'GAS' /
/
COMPDAT
 'INJ' 1 1 {nz - 7} {nz} 'OPEN' 1* 1* 0.2 /
/
WCONINJE
 'INJ' 'GAS' 'OPEN' 'RATE' 6000 1* 1000 /
/
TSTEP
 50*73 /
END
"""
with open(deck, "w") as f:
    f.write(text)
