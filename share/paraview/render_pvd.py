#!/usr/bin/env python3
"""Render one cell field of a VTK series (.pvd, as fno-sim writes) at a chosen time to a PNG.

Offscreen, with no display: Debian's python3-vtk9 (/usr/bin/python3) renders through an EGL
surfaceless context on Mesa (llvmpipe); ParaView's pvpython renders the same picture with
paraview.simple. Same arguments either way:

  python3 share/paraview/render_pvd.py sim-output/solution.pvd -field saturation -time 3650 -o plume.png
  python3 share/paraview/render_pvd.py numerical/solution.pvd -side-by-side surrogate/solution.pvd \\
      -titles numerical,surrogate -field saturation -time 3650 -o compare.png
  pvpython share/paraview/render_pvd.py sim-output/solution.pvd -field pressure -o pressure.png

The time is in days; the nearest report time of the series is drawn (and named in the
title). A vertical slice is drawn in the x-z plane with z up, a map in the x-y plane; of a
3D grid the vertical x-z section at -slice_y (default: the middle) is drawn. Colour scale:
saturation from 0 to its largest value in the picture (at least 0.01), pressure in bar, permeability
(mD) on a log scale, anything else from its minimum to its maximum; -range overrides it.
With -side-by-side both panels share one colour scale.
"""
import argparse
import math
import os
import sys
import xml.etree.ElementTree as ET

# Display of the fields fno-sim writes: label, units, factor from file to display units,
# log scale, and whether the colour scale starts at 0.
FIELDS = {
    "saturation": ("CO2 saturation", "-", 1.0, False, True),
    "pressure": ("pressure", "bar", 1e-5, False, False),
    "permeability": ("permeability", "mD", 1.0, True, False),
    "porosity": ("porosity", "-", 1.0, False, False),
}

# Viridis, sampled at 9 points (sequential, perceptually uniform, readable in grey).
VIRIDIS = [
    (0.267, 0.005, 0.329), (0.278, 0.175, 0.483), (0.231, 0.322, 0.546), (0.173, 0.449, 0.558),
    (0.128, 0.567, 0.551), (0.153, 0.680, 0.505), (0.361, 0.785, 0.388), (0.668, 0.862, 0.196),
    (0.993, 0.906, 0.144),
]


class UsageError(Exception):
    pass


def field_display(name):
    label, units, factor, log, from_zero = FIELDS.get(name, (name, "", 1.0, False, False))
    return {"label": label, "units": units, "factor": factor, "log": log, "from_zero": from_zero}


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="render_pvd.py",
        description="Render a cell field of a .pvd series at a time (days) to a PNG, offscreen.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__)
    p.add_argument("pvd", help="the series (.pvd) to draw")
    p.add_argument("-field", default="saturation", help="cell field to colour by (default: saturation)")
    p.add_argument("-time", type=float, default=None,
                   help="time in days; the nearest report time is drawn (default: the last)")
    p.add_argument("-o", dest="output", default=None, help="PNG to write (default: FIELD.png)")
    p.add_argument("-size", default=None,
                   help="image size W,H in pixels (default 1100,620; 1800,620 side by side)")
    p.add_argument("-side-by-side", dest="other", default=None,
                   help="a second .pvd drawn to the right (same field and time, shared colour scale)")
    p.add_argument("-titles", default=None,
                   help="panel titles, comma separated (default: the directories of the .pvd files)")
    p.add_argument("-range", dest="crange", default=None, help="colour scale LO,HI in display units")
    p.add_argument("-slice_y", type=float, default=None,
                   help="3D grids: y (m) of the vertical x-z section drawn (default: the middle)")
    p.add_argument("-engine", choices=["auto", "vtk", "paraview"], default="auto",
                   help="auto: paraview.simple under pvpython/pvbatch, VTK otherwise")
    p.add_argument("-backend", choices=["auto", "egl", "x"], default="auto",
                   help="VTK engine's OpenGL context: egl (surfaceless, no display), x (needs "
                        "DISPLAY, e.g. under xvfb-run); auto: egl, else x when DISPLAY is set")
    # ParaView 5.11's pvpython hands single-dash options on as "--name": accept both.
    known = {o for action in p._actions for o in action.option_strings}
    argv = [x[1:] if x.startswith("--") and x[1:] in known else x for x in argv]
    a = p.parse_args(argv)
    a.pvds = [a.pvd] + ([a.other] if a.other else [])
    if a.size:
        try:
            a.size = [int(v) for v in a.size.split(",")]
        except ValueError:
            raise UsageError("-size expects W,H in pixels, got '%s'" % a.size)
        if len(a.size) != 2 or min(a.size) < 64:
            raise UsageError("-size expects W,H of at least 64 pixels each, got '%s'" % a.size)
    else:
        a.size = [1800, 620] if a.other else [1100, 620]
    if a.titles:
        a.titles = a.titles.split(",")
        if len(a.titles) != len(a.pvds):
            raise UsageError("-titles gives %d title(s) for %d series" % (len(a.titles), len(a.pvds)))
    elif a.other:
        a.titles = [os.path.basename(os.path.dirname(os.path.abspath(f))) or f for f in a.pvds]
    if a.crange:
        try:
            a.crange = [float(v) for v in a.crange.split(",")]
        except ValueError:
            raise UsageError("-range expects LO,HI, got '%s'" % a.crange)
        if len(a.crange) != 2 or not a.crange[0] < a.crange[1]:
            raise UsageError("-range expects LO,HI with LO < HI, got '%s'" % a.crange)
    if a.output is None:
        a.output = a.field + ".png"
    return a


def read_collection(pvd):
    """[(time_days, absolute path of the piece file)] sorted by time."""
    if not os.path.isfile(pvd):
        raise UsageError("cannot open %s" % pvd)
    try:
        root = ET.parse(pvd).getroot()
    except ET.ParseError as e:
        raise UsageError("%s is not a VTK collection: %s" % (pvd, e))
    entries = []
    for ds in root.iter("DataSet"):
        try:
            t = float(ds.get("timestep"))
        except (TypeError, ValueError):
            raise UsageError("%s: a DataSet has no numeric timestep" % pvd)
        f = ds.get("file")
        if not f:
            raise UsageError("%s: a DataSet names no file" % pvd)
        entries.append((t, os.path.join(os.path.dirname(os.path.abspath(pvd)), f)))
    if root.get("type") != "Collection" or not entries:
        raise UsageError("%s is not a VTK collection with data sets" % pvd)
    return sorted(entries)


def nearest(entries, days):
    if days is None:
        return entries[-1]
    return min(entries, key=lambda e: (abs(e[0] - days), e[0]))


def format_days(t):
    return "t = %g days (%.2f years)" % (t, t / 365.25)


def colour_range(args, disp, lo, hi):
    if args.crange:
        return args.crange
    if disp["from_zero"]:  # saturation: 0 .. its largest value, but at least 0.01
        lo, hi = 0.0, max(hi, 0.01)
    if disp["log"]:
        lo = max(lo, 1e-12)
    if not hi > lo:
        hi = lo * 10 if disp["log"] else lo + 1.0
    return [lo, hi]


# ------------------------------------------------------------------------------------------
# VTK engine (python3-vtk9)

def egl_context():
    """Makes an OpenGL 3.2 core context current on Mesa's EGL surfaceless platform (no display,
    no window). Returns (libEGL, display, context), to be kept alive while rendering, or
    raises OSError."""
    import ctypes
    egl = ctypes.CDLL("libEGL.so.1")
    vp, vi = ctypes.c_void_p, ctypes.c_int
    egl.eglGetProcAddress.restype = vp
    egl.eglGetProcAddress.argtypes = [ctypes.c_char_p]
    egl.eglInitialize.argtypes = [vp, ctypes.POINTER(vi), ctypes.POINTER(vi)]
    egl.eglBindAPI.argtypes = [ctypes.c_uint]
    egl.eglChooseConfig.argtypes = [vp, ctypes.POINTER(vi), ctypes.POINTER(vp), vi, ctypes.POINTER(vi)]
    egl.eglCreateContext.restype = vp
    egl.eglCreateContext.argtypes = [vp, vp, vp, ctypes.POINTER(vi)]
    egl.eglMakeCurrent.argtypes = [vp, vp, vp, vp]
    egl.eglGetError.restype = vi
    get_platform_display = egl.eglGetProcAddress(b"eglGetPlatformDisplayEXT")
    if not get_platform_display:
        raise OSError("EGL has no eglGetPlatformDisplayEXT")
    get_platform_display = ctypes.CFUNCTYPE(vp, ctypes.c_uint, vp, vp)(get_platform_display)
    EGL_PLATFORM_SURFACELESS_MESA, EGL_OPENGL_API, EGL_NONE = 0x31DD, 0x30A2, 0x3038
    EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT = 0x3040, 0x0008
    dpy = get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, None, None)
    major, minor = vi(), vi()
    if not dpy or not egl.eglInitialize(dpy, ctypes.byref(major), ctypes.byref(minor)):
        raise OSError("no EGL surfaceless display (Mesa's libegl-mesa0 missing?)")
    if not egl.eglBindAPI(EGL_OPENGL_API):
        raise OSError("EGL cannot bind desktop OpenGL")
    # The surfaceless platform may offer no configs at all; then the context is made without
    # one (EGL_KHR_no_config_context): VTK renders into its own framebuffer objects anyway.
    attribs = (vi * 3)(EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE)
    config, count = vp(), vi()
    if not egl.eglChooseConfig(dpy, attribs, ctypes.byref(config), 1, ctypes.byref(count)) or count.value < 1:
        config = vp()  # EGL_NO_CONFIG_KHR
    # OpenGL 3.2 core profile, what VTK's OpenGL2 backend needs.
    ctx_attribs = (vi * 7)(0x3098, 3, 0x30FB, 2, 0x30FD, 0x1, EGL_NONE)
    ctx = egl.eglCreateContext(dpy, config, None, ctx_attribs)
    if not ctx:
        raise OSError("EGL cannot create an OpenGL 3.2 core context (error 0x%x)" % egl.eglGetError())
    if not egl.eglMakeCurrent(dpy, None, None, ctx):
        raise OSError("EGL cannot make the context current without a surface (error 0x%x)" % egl.eglGetError())
    return egl, dpy, ctx


def vtk_render_window(backend, size):
    """An offscreen render window. egl: VTK draws into its own framebuffer objects in a
    surfaceless EGL context that we made current; x: VTK's own X window, offscreen."""
    import vtk
    errors = []
    if backend in ("auto", "egl"):
        try:
            keep = egl_context()
            rw = vtk.vtkGenericOpenGLRenderWindow()
            rw._egl = keep  # keep the context alive as long as the window
            rw.SetOffScreenRendering(1)
            rw.SetSize(*size)
            rw.SetOwnContext(False)
            rw.SetIsCurrent(True)
            rw.SetReadyForRendering(True)
            rw.SetMultiSamples(0)
            return rw, "egl"
        except OSError as e:
            errors.append("EGL: %s" % e)
            if backend == "egl":
                raise UsageError("cannot render with EGL: %s" % e)
    if backend == "x" and not os.environ.get("DISPLAY"):
        raise UsageError("-backend x needs an X display and DISPLAY is not set (try xvfb-run -a)")
    if os.environ.get("DISPLAY"):
        rw = vtk.vtkRenderWindow()
        rw.SetOffScreenRendering(1)
        rw.SetSize(*size)
        rw.SetMultiSamples(0)
        return rw, "x"
    raise UsageError("no way to render offscreen here (%s) and no X display: install Mesa's EGL "
                     "(apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri) or run under "
                     "xvfb-run -a" % "; ".join(errors))


def lookup_table(disp, crange):
    import vtk
    lut = vtk.vtkLookupTable()
    n = 256
    lut.SetNumberOfTableValues(n)
    for i in range(n):
        s = i / (n - 1) * (len(VIRIDIS) - 1)
        k = min(int(s), len(VIRIDIS) - 2)
        w = s - k
        c = [(1 - w) * VIRIDIS[k][j] + w * VIRIDIS[k + 1][j] for j in range(3)]
        lut.SetTableValue(i, c[0], c[1], c[2], 1.0)
    if disp["log"]:
        lut.SetScaleToLog10()
    lut.SetRange(*crange)
    lut.SetNanColor(0.6, 0.6, 0.6, 1.0)
    return lut


def vtk_panel_data(pvd, args, disp):
    """Reads the snapshot nearest to -time and returns (time, polydata in the drawing plane
    with the display array 'display', plane 'xz' or 'xy')."""
    import vtk
    from vtk.util import numpy_support
    t, path = nearest(read_collection(pvd), args.time)
    if not os.path.isfile(path):
        raise UsageError("%s names %s, which does not exist" % (pvd, path))
    ext = os.path.splitext(path)[1]
    readers = {".pvts": vtk.vtkXMLPStructuredGridReader, ".vts": vtk.vtkXMLStructuredGridReader,
               ".pvtu": vtk.vtkXMLPUnstructuredGridReader, ".vtu": vtk.vtkXMLUnstructuredGridReader,
               ".pvti": vtk.vtkXMLPImageDataReader, ".vti": vtk.vtkXMLImageDataReader}
    if ext not in readers:
        raise UsageError("%s: cannot read %s files" % (path, ext))
    reader = readers[ext]()
    reader.SetFileName(path)
    reader.Update()
    data = reader.GetOutput()
    if data is None or data.GetNumberOfCells() == 0:
        raise UsageError("%s holds no cells" % path)
    cd = data.GetCellData()
    if cd.GetArray(args.field) is None:
        names = [cd.GetArrayName(i) for i in range(cd.GetNumberOfArrays())]
        raise UsageError("%s has no cell field '%s'; it has: %s" % (path, args.field, ", ".join(names)))
    values = numpy_support.vtk_to_numpy(cd.GetArray(args.field)).astype(float) * disp["factor"]
    if values.ndim != 1:
        raise UsageError("field '%s' has %d components; a scalar field is needed" % (args.field, values.shape[1]))
    arr = numpy_support.numpy_to_vtk(values, deep=True)
    arr.SetName("display")
    cd.AddArray(arr)
    b = data.GetBounds()
    if b[3] - b[2] == 0:
        plane, source = "xz", data
    elif b[5] - b[4] == 0:
        plane, source = "xy", data
    else:  # 3D: the vertical x-z section at y = slice_y, through the centres of one layer of cells
        y = args.slice_y if args.slice_y is not None else 0.5 * (b[2] + b[3])
        if not b[2] <= y <= b[3]:
            raise UsageError("-slice_y %g lies outside the grid's y range %g..%g" % (y, b[2], b[3]))
        import numpy
        lines = numpy.unique(numpy_support.vtk_to_numpy(data.GetPoints().GetData())[:, 1])
        k = min(max(int(numpy.searchsorted(lines, y, side="right")) - 1, 0), len(lines) - 2)
        y = 0.5 * (lines[k] + lines[k + 1])
        cut_plane = vtk.vtkPlane()
        cut_plane.SetOrigin(0, y, 0)
        cut_plane.SetNormal(0, 1, 0)
        cutter = vtk.vtkCutter()
        cutter.SetCutFunction(cut_plane)
        cutter.SetInputData(data)
        cutter.Update()
        plane, source = "xz", cutter.GetOutput()
    surface = vtk.vtkDataSetSurfaceFilter()
    surface.SetInputData(source)
    surface.Update()
    poly = surface.GetOutput()
    shown = numpy_support.vtk_to_numpy(poly.GetCellData().GetArray("display"))
    return t, poly, plane, shown


def text_actor(vtk, text, size, xy, justify="left", bold=False, vertical="bottom"):
    a = vtk.vtkTextActor()
    a.SetInput(text)
    tp = a.GetTextProperty()
    tp.SetFontSize(size)
    tp.SetColor(0, 0, 0)
    tp.SetBold(bold)
    tp.SetFontFamilyToArial()
    {"left": tp.SetJustificationToLeft, "center": tp.SetJustificationToCentered,
     "right": tp.SetJustificationToRight}[justify]()
    {"bottom": tp.SetVerticalJustificationToBottom, "top": tp.SetVerticalJustificationToTop,
     "center": tp.SetVerticalJustificationToCentered}[vertical]()
    a.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
    a.GetPositionCoordinate().SetValue(*xy)
    return a


def world_axis(vtk, p1, p2, rng, title, font, viewport_px):
    """A labelled axis between two world points (ticks and labels on the right-hand side
    when going from p1 to p2). VTK 9.1 sizes the tick labels relative to the viewport
    (text height = 0.015 * LabelFactor * (width + height) pixels); LabelFactor is chosen
    so that they come out about `font` pixels high."""
    ax = vtk.vtkAxisActor2D()
    ax.GetPositionCoordinate().SetCoordinateSystemToWorld()
    ax.GetPositionCoordinate().SetValue(*p1)
    ax.GetPosition2Coordinate().SetCoordinateSystemToWorld()
    ax.GetPosition2Coordinate().SetValue(*p2)
    ax.SetRange(*rng)
    ax.SetTitle(title)
    ax.SetNumberOfLabels(5)
    ax.AdjustLabelsOn()
    ax.SetFontFactor(1.0)
    ax.SetLabelFactor(1.2 * font / (0.015 * (viewport_px[0] + viewport_px[1])))
    ax.SetLabelFormat("%.0f")
    ax.GetProperty().SetColor(0, 0, 0)
    for tp, size in ((ax.GetTitleTextProperty(), font + 2), (ax.GetLabelTextProperty(), font)):
        tp.SetColor(0, 0, 0)
        tp.SetFontSize(size)
        tp.SetFontFamilyToArial()
        tp.BoldOff()
        tp.ItalicOff()
        tp.ShadowOff()
    ax.UseFontSizeFromPropertyOn()
    return ax


def render_vtk(args):
    import vtk
    disp = field_display(args.field)
    panels = [vtk_panel_data(p, args, disp) for p in args.pvds]
    lo = min(float(p[3].min()) for p in panels)
    hi = max(float(p[3].max()) for p in panels)
    if not all(math.isfinite(v) for v in (lo, hi)):
        import numpy
        finite = [p[3][numpy.isfinite(p[3])] for p in panels]
        lo = min(float(f.min()) for f in finite if f.size)
        hi = max(float(f.max()) for f in finite if f.size)
    crange = colour_range(args, disp, lo, hi)
    lut = lookup_table(disp, crange)

    W, H = args.size
    rw, backend = vtk_render_window(args.backend, (W, H))
    # Debian's VTK 9.1 is built for GLX: on the EGL path its GLEW cannot load the GLX entry
    # points (there is no X display) and says so on every render, although the core OpenGL
    # entry points VTK uses are loaded. That one message is dropped; any other error or
    # warning of the window fails the run.
    errors = []

    def on_error(obj, event, message=None):
        text = str(message) if message is not None else ""
        if "GLEW could not be initialized" not in text:
            errors.append(text.strip())
    on_error.CallDataType = vtk.VTK_STRING
    rw.AddObserver("ErrorEvent", on_error)
    rw.AddObserver("WarningEvent", on_error)

    unit = " (%s)" % disp["units"] if disp["units"] else ""
    title_h = 0.11                    # band at the top for the title
    bar_title = "%s%s" % (args.field, unit)
    bar_px = max(150, min(260, 12 * len(bar_title)))
    bar_w = min(0.35, bar_px / W)     # band at the right for the colour bar
    n = len(panels)
    times = [p[0] for p in panels]
    # Top band: what and when.
    top = vtk.vtkRenderer()
    top.SetViewport(0, 1 - title_h, 1, 1)
    top.SetBackground(1, 1, 1)
    when = format_days(times[0]) if len(set(times)) == 1 else "nearest report times"
    top.AddActor2D(text_actor(vtk, "%s%s at %s" % (disp["label"], unit, when), max(14, H // 26), (0.5, 0.5),
                              "center", True, "center"))
    rw.AddRenderer(top)
    # One panel per series.
    for i, (t, poly, plane, _) in enumerate(panels):
        ren = vtk.vtkRenderer()
        x0 = i * (1 - bar_w) / n
        x1 = (i + 1) * (1 - bar_w) / n
        ren.SetViewport(x0, 0, x1, 1 - title_h)
        ren.SetBackground(1, 1, 1)
        mapper = vtk.vtkPolyDataMapper()
        mapper.SetInputData(poly)
        mapper.SetScalarModeToUseCellFieldData()
        mapper.SelectColorArray("display")
        mapper.SetLookupTable(lut)
        mapper.SetUseLookupTableScalarRange(True)
        mapper.ScalarVisibilityOn()
        actor = vtk.vtkActor()
        actor.SetMapper(mapper)
        actor.GetProperty().LightingOff()
        ren.AddActor(actor)
        b = poly.GetBounds()
        # Camera: parallel, looking along +y at the x-z plane (z up) or down at the x-y plane.
        u0, u1 = b[0], b[1]
        v0, v1 = (b[4], b[5]) if plane == "xz" else (b[2], b[3])
        pw, ph = (x1 - x0) * W, (1 - title_h) * H
        aspect = pw / ph
        # Leave room for the axes (left, bottom) and the panel title (top).
        frac_u, frac_v = 0.74, 0.70
        scale = max((v1 - v0) / frac_v, (u1 - u0) / frac_u / aspect) / 2
        cu = 0.5 * (u0 + u1) - 0.06 * 2 * scale * aspect
        cv = 0.5 * (v0 + v1) - 0.02 * 2 * scale
        cam = ren.GetActiveCamera()
        cam.ParallelProjectionOn()
        if plane == "xz":
            cam.SetFocalPoint(cu, 0.5 * (b[2] + b[3]), cv)
            cam.SetPosition(cu, 0.5 * (b[2] + b[3]) - 10 * scale, cv)
            cam.SetViewUp(0, 0, 1)
        else:
            cam.SetFocalPoint(cu, cv, 0.5 * (b[4] + b[5]))
            cam.SetPosition(cu, cv, 0.5 * (b[4] + b[5]) + 10 * scale)
            cam.SetViewUp(0, 1, 0)
        cam.SetParallelScale(scale)
        ren.ResetCameraClippingRange()
        font = max(11, min(17, int(0.021 * min(pw, ph * 1.6))))
        if plane == "xz":
            yc = 0.5 * (b[2] + b[3])
            ren.AddActor2D(world_axis(vtk, (u0, yc, v0), (u1, yc, v0), (u0, u1), "x (m)", font, (pw, ph)))
            ren.AddActor2D(world_axis(vtk, (u0, yc, v1), (u0, yc, v0), (v1, v0), "z (m)", font, (pw, ph)))
        else:
            zc = 0.5 * (b[4] + b[5])
            ren.AddActor2D(world_axis(vtk, (u0, v0, zc), (u1, v0, zc), (u0, u1), "x (m)", font, (pw, ph)))
            ren.AddActor2D(world_axis(vtk, (u0, v1, zc), (u0, v0, zc), (v1, v0), "y (m)", font, (pw, ph)))
        label = args.titles[i] if args.titles else ""
        if len(set(times)) > 1:
            label += (", " if label else "") + format_days(t)
        if label:
            ren.AddActor2D(text_actor(vtk, label, max(12, H // 34), (0.5, 0.97), "center", True, "top"))
        rw.AddRenderer(ren)
    # Colour bar on the right, shared by the panels.
    side = vtk.vtkRenderer()
    side.SetViewport(1 - bar_w, 0, 1, 1 - title_h)
    side.SetBackground(1, 1, 1)
    bar = vtk.vtkScalarBarActor()
    bar.SetLookupTable(lut)
    bar.SetTitle(bar_title)
    bar.SetNumberOfLabels(6)
    bar.SetLabelFormat("%.4g")
    bar.SetOrientationToVertical()
    bar.UnconstrainedFontSizeOn()
    bar.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
    bar.GetPositionCoordinate().SetValue(0.12, 0.06)
    bar.SetWidth(0.8)
    bar.SetHeight(0.78)
    bar.SetBarRatio(0.3)
    bar.SetTextPositionToSucceedScalarBar()
    for tp in (bar.GetTitleTextProperty(), bar.GetLabelTextProperty()):
        tp.SetColor(0, 0, 0)
        tp.ShadowOff()
        tp.ItalicOff()
        tp.SetFontFamilyToArial()
    # The title is centred over the bar and its labels: small enough to fit the band.
    bar.GetTitleTextProperty().SetFontSize(max(9, min(H // 38, int(0.95 * bar_w * W / (0.62 * len(bar_title))))))
    bar.GetLabelTextProperty().SetFontSize(max(12, H // 40))
    bar.GetLabelTextProperty().BoldOff()
    side.AddActor2D(bar)
    rw.AddRenderer(side)

    rw.Render()
    grab = vtk.vtkWindowToImageFilter()
    grab.SetInput(rw)
    grab.SetInputBufferTypeToRGB()
    grab.ReadFrontBufferOff()
    grab.Update()
    if errors:
        raise UsageError("VTK reported errors while rendering (%s backend):\n%s" % (backend, "\n".join(errors)))
    write_png_atomically(vtk, grab.GetOutput(), args.output)
    return times, crange, backend


def write_png_atomically(vtk, image, path):
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        raise UsageError("cannot write %s: no directory %s" % (path, d))
    tmp = os.path.join(d, ".%s.tmp%d.png" % (os.path.basename(path), os.getpid()))
    writer = vtk.vtkPNGWriter()
    writer.SetFileName(tmp)
    writer.SetInputData(image)
    writer.Write()
    if writer.GetErrorCode() or not os.path.isfile(tmp):
        raise UsageError("cannot write %s" % path)
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------
# ParaView engine (pvpython / pvbatch)

def render_paraview(args):
    import paraview.simple as pv
    disp = field_display(args.field)
    W, H = args.size
    unit = " (%s)" % disp["units"] if disp["units"] else ""
    chosen, sources, lo, hi = [], [], math.inf, -math.inf
    for pvd in args.pvds:
        t, _ = nearest(read_collection(pvd), args.time)
        reader = pv.PVDReader(FileName=os.path.abspath(pvd))
        if args.field not in reader.CellData.keys():
            raise UsageError("%s has no cell field '%s'; it has: %s"
                             % (pvd, args.field, ", ".join(reader.CellData.keys())))
        src = pv.Calculator(Input=reader, AttributeType="Cell Data", ResultArrayName="display",
                            Function="%s*%.17g" % (args.field, disp["factor"]))
        reader.UpdatePipeline(t)
        b = reader.GetDataInformation().GetBounds()
        if b[3] - b[2] > 0 and b[5] - b[4] > 0:  # 3D: the vertical x-z section
            y = args.slice_y if args.slice_y is not None else 0.5 * (b[2] + b[3])
            if not b[2] <= y <= b[3]:
                raise UsageError("-slice_y %g lies outside the grid's y range %g..%g" % (y, b[2], b[3]))
            # Through the centres of one layer of cells (fno-sim's grid is uniform in y).
            ny = reader.GetDataInformation().GetExtent()[3] - reader.GetDataInformation().GetExtent()[2]
            dy = (b[3] - b[2]) / max(ny, 1)
            y = b[2] + (min(int((y - b[2]) / dy), ny - 1) + 0.5) * dy
            src = pv.Slice(Input=src)
            src.SliceType = "Plane"
            src.SliceType.Origin = [0, y, 0]
            src.SliceType.Normal = [0, 1, 0]
        src.UpdatePipeline(t)
        r = src.CellData["display"].GetRange()
        lo, hi = min(lo, r[0]), max(hi, r[1])
        chosen.append(t)
        sources.append((src, b))
    crange = colour_range(args, disp, lo, hi)
    lut = pv.GetColorTransferFunction("display")
    lut.ApplyPreset("Viridis (matplotlib)", True)
    lut.UseLogScale = 1 if disp["log"] else 0
    lut.RescaleTransferFunction(crange[0], crange[1])
    lut.AutomaticRescaleRangeMode = "Never"
    layout = pv.CreateLayout("render_pvd")
    cells = [0]
    if len(sources) == 2:
        layout.SplitHorizontal(0, 0.5)
        cells = [1, 2]
    views = []
    for i, ((src, b), t) in enumerate(zip(sources, chosen)):
        view = pv.CreateView("RenderView")
        pv.AssignViewToLayout(view=view, layout=layout, hint=cells[i])
        view.ViewTime = t
        view.OrientationAxesVisibility = 0
        view.Background = [1, 1, 1]
        try:
            view.UseColorPaletteForBackground = 0
        except AttributeError:
            pass
        d = pv.Show(src, view)
        pv.ColorBy(d, ("CELLS", "display"))
        d.LookupTable = lut
        d.Ambient, d.Diffuse = 1.0, 0.0  # flat colours: the colour bar's, unshaded
        bar = pv.GetScalarBar(lut, view)
        bar.Visibility = 1 if i == len(sources) - 1 else 0
        bar.WindowLocation = "Any Location"
        bar.Orientation = "Vertical"
        bar.Position = [0.88, 0.12]
        bar.ScalarBarLength = 0.7
        bar.Title = "%s%s" % (args.field, unit)
        bar.ComponentTitle = ""
        bar.TitleColor = bar.LabelColor = [0, 0, 0]
        bar.RangeLabelFormat = "%.4g"
        view.AxesGrid.Visibility = 1
        view.AxesGrid.XTitle = "x (m)"
        view.AxesGrid.YTitle = "y (m)"
        view.AxesGrid.ZTitle = "z (m)"
        for k in ("XTitleColor", "YTitleColor", "ZTitleColor", "XLabelColor", "YLabelColor", "ZLabelColor",
                  "GridColor"):
            setattr(view.AxesGrid, k, [0, 0, 0])
        label = "%s%s at %s" % (disp["label"], unit, format_days(t))
        if args.titles:
            label = args.titles[i] + "\n" + label
        text = pv.Text(Text=label)
        td = pv.Show(text, view)
        td.WindowLocation = "Upper Center"
        td.Color = [0, 0, 0]
        td.FontSize = max(12, H // 34)
        view.CameraParallelProjection = 1
        cx, cy, cz = 0.5 * (b[0] + b[1]), 0.5 * (b[2] + b[3]), 0.5 * (b[4] + b[5])
        if b[5] - b[4] == 0:  # map: look down at the x-y plane
            view.CameraPosition, view.CameraViewUp = [cx, cy, cz + 1e4], [0, 1, 0]
        else:  # slice or section: look along +y at the x-z plane, z up
            view.CameraPosition, view.CameraViewUp = [cx, cy - 1e4, cz], [0, 0, 1]
        hu, hv = b[1] - b[0], (b[3] - b[2]) if b[5] - b[4] == 0 else (b[5] - b[4])
        aspect = (W / len(sources)) / H
        scale = 0.5 * max(hv / 0.72, hu / 0.70 / aspect)
        view.CameraParallelScale = scale
        # Data a little left of centre: the last panel holds the colour bar on its right.
        shift = 0.05 * 2 * scale * aspect if i == len(sources) - 1 else 0.0
        view.CameraFocalPoint = [cx + shift, cy, cz]
        pos = list(view.CameraPosition)
        pos[0] = cx + shift
        view.CameraPosition = pos
        views.append(view)
    layout.SetSize(W, H)
    tmp = os.path.join(os.path.dirname(os.path.abspath(args.output)),
                       ".%s.tmp%d.png" % (os.path.basename(args.output), os.getpid()))
    pv.SaveScreenshot(tmp, layout, ImageResolution=[W, H], OverrideColorPalette="WhiteBackground")
    if not os.path.isfile(tmp):
        raise UsageError("ParaView could not write %s" % args.output)
    os.replace(tmp, args.output)
    for view in views:
        pv.Delete(view)
    pv.RemoveLayout(layout)
    return chosen, crange, "paraview"


def running_in_paraview():
    exes = [sys.executable or ""]
    try:
        exes.append(os.path.realpath("/proc/self/exe"))  # pvpython reports vtkpython as sys.executable
    except OSError:
        pass
    names = [os.path.basename(e) for e in exes]
    return any(n.startswith("pvpython") or n.startswith("pvbatch") for n in names) or "paraview.simple" in sys.modules


def main(argv):
    try:
        args = parse_args(argv)
        engine = args.engine
        if engine == "auto":
            engine = "paraview" if running_in_paraview() else "vtk"
        times, crange, backend = render_paraview(args) if engine == "paraview" else render_vtk(args)
    except UsageError as e:
        print("render_pvd.py error: %s" % e, file=sys.stderr)
        return 1
    print("render_pvd.py: %s, field %s at %s, colour range %g..%g, %dx%d, %s -> %s"
          % (", ".join(args.pvds), args.field, ", ".join("%g" % t for t in times) + " days", crange[0],
             crange[1], args.size[0], args.size[1], backend, args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
