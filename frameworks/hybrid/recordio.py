"""mx.recordio: MXNet's RecordIO files (dmlc's format: each record a magic word, a length word with a
continuation flag, the bytes padded to 4), sequential (MXRecordIO) or by key through an index file
(MXIndexedRecordIO), and the IRHeader records im2rec writes (pack/unpack). Image encoding needs OpenCV
(pack_img/unpack_img), which this engine does not use."""
import numbers
import struct
from collections import namedtuple

import numpy

from .base import MXNetError

_MAGIC = 0xCED7230A
_MAGIC_BYTES = struct.pack("<I", _MAGIC)
_LEN_MASK = (1 << 29) - 1


class MXRecordIO:
    """MXRecordIO(uri, flag): flag 'w' writes records (write(buf)), 'r' reads them back (read(), None at
    the end)."""

    def __init__(self, uri, flag):
        self.uri, self.flag = uri, flag
        self.handle = None
        self.is_open = False
        self.open()

    def open(self):
        if self.flag not in ("r", "w"):
            raise ValueError(f"Invalid flag {self.flag}")
        try:
            self.handle = open(self.uri, "rb" if self.flag == "r" else "wb")
        except OSError as e:
            raise MXNetError(f"Failed to open file '{self.uri}': {e.strerror}") from None
        self.writable = self.flag == "w"
        self.is_open = True

    def close(self):
        if self.is_open:
            self.handle.close()
            self.is_open = False

    def __del__(self):
        self.close()

    def __getstate__(self):
        raise MXNetError("MXRecordIO cannot be pickled; open the file again where it is needed")

    def reset(self):
        """Back to the first record (a writer starts the file over)."""
        self.close()
        self.open()

    def tell(self):
        return self.handle.tell()

    def _check(self, writing):
        if not self.is_open:
            raise MXNetError(f"{self.uri}: the record file is closed")
        if writing != self.writable:
            raise MXNetError(f"{self.uri}: opened with flag {self.flag!r}, cannot {'write' if writing else 'read'}")

    def write(self, buf):
        """One record; where the bytes hold the magic word at a 4-aligned offset the record is cut there
        into continued parts (the magic word dropped), as dmlc's RecordIOWriter does."""
        self._check(True)
        buf = bytes(buf)
        n = len(buf)
        start = 0
        for i in range(0, (n >> 2) << 2, 4):
            if buf[i:i + 4] == _MAGIC_BYTES:
                self._part(1 if start == 0 else 2, buf[start:i])
                start = i + 4
        self._part(3 if start else 0, buf[start:])
        pad = (((n + 3) >> 2) << 2) - n
        if pad:
            self.handle.write(b"\0" * pad)

    def _part(self, cflag, data):
        self.handle.write(_MAGIC_BYTES + struct.pack("<I", (cflag << 29) | len(data)) + data)

    def read(self):
        """The next record's bytes, or None at the end of the file."""
        self._check(False)
        out = []
        while True:
            head = self.handle.read(8)
            if not head:
                if out:
                    raise MXNetError(f"{self.uri}: the file ends inside a record")
                return None
            if len(head) < 8:
                raise MXNetError(f"{self.uri}: truncated record header")
            magic, lrec = struct.unpack("<II", head)
            if magic != _MAGIC:
                raise MXNetError(f"{self.uri}: invalid RecordIO file (bad magic number at byte "
                                 f"{self.handle.tell() - 8})")
            cflag, length = lrec >> 29, lrec & _LEN_MASK
            data = self.handle.read(((length + 3) >> 2) << 2)
            if len(data) < length:
                raise MXNetError(f"{self.uri}: truncated record")
            out.append(data[:length])
            if cflag in (0, 3):
                return b"".join(out)
            out.append(_MAGIC_BYTES)   # a cut dropped the magic word there


class MXIndexedRecordIO(MXRecordIO):
    """MXIndexedRecordIO(idx_path, uri, flag, key_type=int): records by key, their offsets kept in a
    text index file ('key\\toffset' lines, as im2rec writes)."""

    def __init__(self, idx_path, uri, flag, key_type=int):
        self.idx_path, self.key_type = idx_path, key_type
        self.idx, self.keys = {}, []
        self.fidx = None
        super().__init__(uri, flag)

    def open(self):
        super().open()
        self.idx, self.keys = {}, []
        try:
            self.fidx = open(self.idx_path, self.flag)
        except OSError as e:
            raise MXNetError(f"Failed to open file '{self.idx_path}': {e.strerror}") from None
        if not self.writable:
            for line in iter(self.fidx.readline, ""):
                parts = line.strip().split("\t")
                key = self.key_type(parts[0])
                self.idx[key] = int(parts[1])
                self.keys.append(key)

    def close(self):
        if not self.is_open:
            return
        super().close()
        self.fidx.close()

    def seek(self, idx):
        """Position the reader at record `idx`."""
        self._check(False)
        self.handle.seek(self.idx[idx])

    def tell(self):
        return self.handle.tell()

    def read_idx(self, idx):
        self.seek(idx)
        return self.read()

    def write_idx(self, idx, buf):
        key = self.key_type(idx)
        pos = self.tell()
        self.write(buf)
        self.fidx.write(f"{key}\t{pos}\n")
        self.idx[key] = pos
        self.keys.append(key)


IRHeader = namedtuple("HEADER", ["flag", "label", "id", "id2"])
_IR_FORMAT = "IfQQ"
_IR_SIZE = struct.calcsize(_IR_FORMAT)


def pack(header, s):
    """header + s as one record's bytes: a number label in the header, an array label (float32) before
    s with flag its length."""
    header = IRHeader(*header)
    if isinstance(header.label, numbers.Number):
        header = header._replace(flag=0)
    else:
        label = numpy.asarray(header.label, dtype=numpy.float32)
        header = header._replace(flag=label.size, label=0)
        s = label.tobytes() + s
    return struct.pack(_IR_FORMAT, *header) + s


def unpack(s):
    """(IRHeader, the bytes after it) of a packed record."""
    header = IRHeader(*struct.unpack(_IR_FORMAT, s[:_IR_SIZE]))
    s = s[_IR_SIZE:]
    if header.flag > 0:
        header = header._replace(label=numpy.frombuffer(s, numpy.float32, header.flag))
        s = s[header.flag * 4:]
    return header, s


def _no_opencv(name):
    def f(*args, **kwargs):
        raise MXNetError(f"recordio.{name} encodes or decodes images with OpenCV, which this engine does not "
                         "use; pack the encoded image bytes yourself with recordio.pack / unpack")
    f.__name__ = name
    return f


pack_img = _no_opencv("pack_img")
unpack_img = _no_opencv("unpack_img")

__all__ = ["MXRecordIO", "MXIndexedRecordIO", "IRHeader", "pack", "unpack", "pack_img", "unpack_img"]
