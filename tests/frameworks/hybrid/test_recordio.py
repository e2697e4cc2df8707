"""mx.recordio as the data tutorial uses it: records written and read back sequentially and by key, the
bytes laid out as dmlc's RecordIO (magic, length with continuation flag, 4-byte padding; a record holding
the magic word cut into parts), IRHeader pack/unpack, and MXNetError for a foreign or truncated file."""
import struct

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid.base import MXNetError

MAGIC = struct.pack("<I", 0xCED7230A)


def test_data_tutorial_records_sequential_and_indexed(tmp_path):
    path = str(tmp_path / "tmp.rec")
    record = mx.recordio.MXRecordIO(path, 'w')
    for i in range(5):
        record.write(('record_%d' % i).encode())
    record.close()
    record = mx.recordio.MXRecordIO(path, 'r')
    got = []
    while True:
        item = record.read()
        if not item:
            break
        got.append(item)
    record.close()
    assert got == [b'record_%d' % i for i in range(5)]

    record = mx.recordio.MXIndexedRecordIO(str(tmp_path / "tmp.idx"), str(tmp_path / "tmp2.rec"), 'w')
    for i in range(5):
        record.write_idx(i, ('record_%d' % i).encode())
    record.close()
    record = mx.recordio.MXIndexedRecordIO(str(tmp_path / "tmp.idx"), str(tmp_path / "tmp2.rec"), 'r')
    assert record.read_idx(3) == b'record_3'
    assert record.keys == [0, 1, 2, 3, 4]
    record.reset()
    assert record.read() == b'record_0'


def test_bytes_are_dmlc_recordio(tmp_path):
    path = str(tmp_path / "a.rec")
    w = mx.recordio.MXRecordIO(path, "w")
    w.write(b"abcde")
    w.write(b"wxyz" + MAGIC + b"12")    # the magic word inside: cut into a start and an end part
    w.close()
    raw = open(path, "rb").read()
    expected = (MAGIC + struct.pack("<I", 5) + b"abcde\0\0\0"
                + MAGIC + struct.pack("<I", (1 << 29) | 4) + b"wxyz"
                + MAGIC + struct.pack("<I", (3 << 29) | 2) + b"12" + b"\0\0")
    assert raw == expected
    r = mx.recordio.MXRecordIO(path, "r")
    assert r.read() == b"abcde"
    assert r.read() == b"wxyz" + MAGIC + b"12"
    assert r.read() is None
    with pytest.raises(MXNetError):
        r.write(b"x")


def test_pack_unpack_headers_and_bad_files(tmp_path):
    header = mx.recordio.IRHeader(0, 5, 7, 0)
    h, s = mx.recordio.unpack(mx.recordio.pack(header, b"payload"))
    assert (h.flag, h.label, h.id, h.id2, s) == (0, 5.0, 7, 0, b"payload")
    h, s = mx.recordio.unpack(mx.recordio.pack(mx.recordio.IRHeader(0, [1, 2, 3], 2, 0), b"img"))
    assert h.flag == 3 and s == b"img"
    np.testing.assert_array_equal(h.label, [1, 2, 3])
    bad = tmp_path / "bad.rec"
    bad.write_bytes(b"not a record file")
    with pytest.raises(MXNetError, match="magic"):
        mx.recordio.MXRecordIO(str(bad), "r").read()
    cut = tmp_path / "cut.rec"
    cut.write_bytes(MAGIC + struct.pack("<I", 40) + b"short")
    with pytest.raises(MXNetError, match="truncated"):
        mx.recordio.MXRecordIO(str(cut), "r").read()
    with pytest.raises(MXNetError, match="Failed to open"):
        mx.recordio.MXRecordIO(str(tmp_path / "missing.rec"), "r")
    with pytest.raises(MXNetError, match="OpenCV"):
        mx.recordio.pack_img(header, np.zeros((2, 2)))
