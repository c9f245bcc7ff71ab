#!/usr/bin/env bash
# make_models.sh BIN WORK: the model files the plugin's error tests use (a fixture).
set -euo pipefail
bin=$1; work=$2
rm -rf "$work"; mkdir -p "$work"
common="-grid 20,12,7 -modes 4,3,3 -width 6 -layers 2 -proj_width 16 -seed 3"
days=0,73,146,219,292,365,438
"$bin/fno-init" $common -times_days $days -output "$work/good.h5"
"$bin/fno-init" $common -times_days $days -outputs temperature:K:nan:nan:nan -output "$work/temperature.h5"
"$bin/fno-init" $common -times_days $days \
  -inputs log10_permeability:permeability:log10:1:mD,viscosity:viscosity:identity:1:Pa.s,injection_rate:injection_rate:identity:86400:m3/s \
  -output "$work/viscosity.h5"
"$bin/fno-init" $common -times_days 10,83,156,229,302,375,448 -output "$work/late_start.h5"
head -c 3000 "$work/good.h5" > "$work/truncated.h5"
cp "$work/good.h5" "$work/version2.h5"
/usr/bin/python3 -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); f.attrs['version'] = 2; f.close()" "$work/version2.h5"
echo "make_models: model files in $work"
