#!/usr/bin/env python3
"""check_png.py PNG WIDTH HEIGHT: the PNG exists, has the given size, and is a picture, not a
uniform image (python3-vtk9's vtkPNGReader; pixel standard deviation and distinct colours)."""
import os
import sys

import numpy
import vtk
from vtk.util import numpy_support

path, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if not os.path.isfile(path) or os.path.getsize(path) == 0:
    sys.exit("check_png: %s is missing or empty" % path)
reader = vtk.vtkPNGReader()
if not reader.CanReadFile(path):
    sys.exit("check_png: %s is not a PNG" % path)
reader.SetFileName(path)
reader.Update()
image = reader.GetOutput()
dims = image.GetDimensions()
if (dims[0], dims[1]) != (width, height):
    sys.exit("check_png: %s is %dx%d, expected %dx%d" % (path, dims[0], dims[1], width, height))
pixels = numpy_support.vtk_to_numpy(image.GetPointData().GetScalars()).reshape(height * width, -1)[:, :3]
std = float(pixels.astype(float).std(axis=0).mean())
colours = len(numpy.unique(pixels[:, 0].astype(numpy.int64) * 65536 + pixels[:, 1] * 256 + pixels[:, 2]))
# Background share: a picture is mostly white margins plus the field; a uniform or nearly
# empty image fails.
white = float((pixels.min(axis=1) >= 250).mean())
print("check_png: %s %dx%d, pixel std %.1f, %d colours, %.0f%% white" % (path, width, height, std, colours, 100 * white))
if std < 10 or colours < 32:
    sys.exit("check_png: %s is (nearly) uniform" % path)
if white > 0.95 or white < 0.05:
    sys.exit("check_png: %s has %.0f%% white background; expected a field on a white page" % (path, 100 * white))
