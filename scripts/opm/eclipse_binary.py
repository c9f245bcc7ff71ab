"""Minimal reader of Eclipse/OPM unformatted binary output (UNRST, INIT): a sequence of
records, each a 16-byte header (keyword, element count, type) followed by the data in
Fortran-style blocks (1000 numbers or 105 strings per block), big-endian."""
import struct

import numpy as np

_DTYPES = {b"INTE": ">i4", b"REAL": ">f4", b"DOUB": ">f8", b"LOGI": ">i4"}


def read_records(path):
    """Returns a list of (keyword, numpy array or list of strings) in file order."""
    records = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        (length,) = struct.unpack(">i", data[pos:pos + 4])
        header = data[pos + 4:pos + 4 + length]
        pos += 4 + length + 4
        keyword = header[0:8].decode().strip()
        (count,) = struct.unpack(">i", header[8:12])
        kind = header[12:16]
        if kind == b"MESS" or count == 0:
            records.append((keyword, np.zeros(0)))
            continue
        if kind.startswith(b"C0") or kind == b"CHAR":
            item = 8 if kind == b"CHAR" else int(kind[1:4])
            per_block = 105
        else:
            item = np.dtype(_DTYPES[kind]).itemsize
            per_block = 1000
        chunks = []
        remaining = count
        while remaining > 0:
            n = min(per_block, remaining)
            (length,) = struct.unpack(">i", data[pos:pos + 4])
            chunks.append(data[pos + 4:pos + 4 + length])
            pos += 4 + length + 4
            remaining -= n
        raw = b"".join(chunks)
        if kind.startswith(b"C0") or kind == b"CHAR":
            values = [raw[i * item:(i + 1) * item].decode(errors="replace").strip() for i in range(count)]
        else:
            values = np.frombuffer(raw, dtype=_DTYPES[kind]).astype(float)
        records.append((keyword, values))
    return records


def report_steps(unrst_path, keywords):
    """Per report step (in file order), a dict of the requested keywords."""
    steps = []
    for keyword, values in read_records(unrst_path):
        if keyword == "SEQNUM":
            steps.append({})
        elif steps and keyword in keywords:
            steps[-1][keyword] = values
    return steps
