#!/usr/bin/env python3
"""qtest_virtio: the feature bits a virtio-net PCI device offers, read from
its own registers the way a guest driver reads them, through QEMU's qtest
protocol: no guest, no firmware, no QMP. It works on every QEMU that has
`-qtest` (5.2 .. 11.1 here), where QMP x-query-virtio-status is missing
(< 7.2) or aborts QEMU (11.1.3).

How QEMU is started (by the caller, or by this program, see below):

    qemu-system-x86_64 -S -nodefaults -display none -accel tcg \
        -machine pc-q35-10.0 -netdev ... -device virtio-net-pci,addr=0x3,... \
        -qtest unix:SOCKPATH -qtest-log /dev/null

`-qtest unix:SOCKPATH` makes QEMU *connect* to SOCKPATH at start-up (as
tests/qtest/libqtest.c does), so the reader must be listening first. The
reader binds under a temporary name and renames the socket to SOCKPATH once it
listens: a caller that waits for SOCKPATH to exist can then start QEMU. `-S`
keeps the vCPUs (and so the firmware) from running: BARs are unassigned and
the reader assigns them itself. Only bus 0 is scanned (put the devices on the
root bus: pci.0 / pcie.0, no bridges; firmware would number bridges' buses).
Without `-qtest-log /dev/null` QEMU logs every qtest exchange on stderr.

CLI:
    python3 tests/qtest_virtio.py [--timeout S] SOCKPATH [QEMU-COMMAND ...]

    Listens on SOCKPATH, waits (at most S seconds, default 30) for QEMU to
    connect, prints one line per virtio-net function on bus 0, then exits 0:

        BB:DD.F 0xVECTOR mask=0xMASK legacy=0xL|- modern=0xM|-

    VECTOR: the offered bits 0-127. MASK: the bits the registers could show.
    legacy: the HOST_FEATURES register (BAR0 I/O, offset 0, bits 0-31) of a
    legacy or transitional device (device id 0x1000), "-" if it has none.
    modern: bits 0-127 from the virtio 1.x common configuration
    (device_feature_select 0..3, device_feature), "-" without that capability.
    The low 32 bits come from the legacy register when there is one, because
    QEMU hides its "legacy features" from the modern register
    (VirtioDeviceClass.legacy_features: VIRTIO_NET_F_GSO, bit 6, and
    VIRTIO_LEGACY_FEATURES in hw/virtio/virtio.c: NOTIFY_ON_EMPTY 24,
    ANY_LAYOUT 27, BAD_FEATURE 30); a modern-only device (id 0x1041) cannot
    show those four bits, a legacy-only device (machine types <= 2.6, or
    disable-modern=on) cannot show bits 32-127: MASK says so.

    With a QEMU-COMMAND after SOCKPATH, the reader starts it once it listens
    (the command must contain -qtest unix:SOCKPATH) and ends it (SIGTERM)
    after reading. Exit 2 on usage errors, 3 when QEMU does not connect, dies
    or a register read fails.

Module:
    import qtest_virtio as qv
    with qv.Listener(sockpath) as lis:   # listening; SOCKPATH exists
        ...start QEMU...
        with lis.accept(timeout=30, pid=qemu_pid) as q:
            for f in qv.virtio_net_functions(q):
                f.bdf, f.vector, f.mask, f.legacy, f.modern, f.device_id
"""

import os
import select
import signal
import socket
import subprocess
import sys
import time

VENDOR_VIRTIO = 0x1AF4
NET_LEGACY = 0x1000  # legacy and transitional virtio-net
NET_MODERN = 0x1041  # virtio 1.x only (0x1040 + device type 1)
PCI_CAP_VENDOR = 0x09
VIRTIO_PCI_CAP_COMMON_CFG = 1
# hw/virtio/virtio.c VIRTIO_LEGACY_FEATURES and virtio-net's legacy_features:
# QEMU masks them out of the modern device_feature register
LEGACY_ONLY_BITS = (1 << 6) | (1 << 24) | (1 << 27) | (1 << 30)
# where the reader puts BARs (as tests/qtest/libqos/pci-pc.c does): above the
# RAM of a small guest, below the IOAPIC; I/O above the legacy ports
PIO_START, PIO_END = 0xC000, 0x10000
MMIO_START, MMIO_END = 0xE0000000, 0xFEC00000


class QtestError(Exception):
    pass


class Qtest:
    """One qtest connection: commands in, "OK [value]" lines out."""

    def __init__(self, conn, pid=None):
        self.conn = conn
        self.pid = pid
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.conn.close()

    def _line(self, timeout=20):
        deadline = time.time() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise QtestError("no answer from QEMU's qtest in %d s" % timeout)
            r, _, _ = select.select([self.conn], [], [], min(left, 0.5))
            if not r:
                if self.pid is not None and not _alive(self.pid):
                    raise QtestError("QEMU (pid %d) exited" % self.pid)
                continue
            data = self.conn.recv(4096)
            if not data:
                raise QtestError("QEMU closed the qtest connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("ascii", "replace")

    def cmd(self, text):
        self.conn.sendall(text.encode("ascii") + b"\n")
        while True:
            line = self._line()
            if line.startswith("IRQ"):  # asynchronous, only if intercepted
                continue
            words = line.split()
            if not words or words[0] != "OK":
                raise QtestError("qtest %r: %r" % (text, line))
            return int(words[1], 16) if len(words) > 1 else None

    def outl(self, port, val):
        self.cmd("outl 0x%x 0x%x" % (port, val))

    def inl(self, port):
        return self.cmd("inl 0x%x" % port)

    def writel(self, addr, val):
        self.cmd("writel 0x%x 0x%x" % (addr, val))

    def readl(self, addr):
        return self.cmd("readl 0x%x" % addr) & 0xFFFFFFFF


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is dead too
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Listener:
    """A listening unix socket at PATH; it appears only once listening."""

    def __init__(self, path):
        self.path = path
        tmp = "%s.%d.tmp" % (path, os.getpid())
        for p in (path, tmp):
            if os.path.exists(p):
                os.unlink(p)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(tmp)
        self.sock.listen(1)
        os.rename(tmp, path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def accept(self, timeout=30, pid=None):
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise QtestError("QEMU did not connect to %s in %d s" % (self.path, timeout))
            r, _, _ = select.select([self.sock], [], [], min(left, 0.2))
            if r:
                conn, _ = self.sock.accept()
                return Qtest(conn, pid)
            if pid is not None and not _alive(pid):
                raise QtestError("QEMU (pid %d) exited before it connected" % pid)


class Pci:
    """Configuration mechanism #1: address in 0xcf8, data in 0xcfc."""

    def __init__(self, q):
        self.q = q
        self.pio = PIO_START
        self.mmio = MMIO_START

    def _addr(self, bdf, off):
        bus, dev, fn = bdf
        return 0x80000000 | bus << 16 | dev << 11 | fn << 8 | (off & 0xFC)

    def read32(self, bdf, off):
        self.q.outl(0xCF8, self._addr(bdf, off))
        return self.q.inl(0xCFC)

    def read8(self, bdf, off):
        return self.read32(bdf, off) >> (8 * (off & 3)) & 0xFF

    def write32(self, bdf, off, val):
        self.q.outl(0xCF8, self._addr(bdf, off))
        self.q.outl(0xCFC, val)

    def functions(self, bus=0):
        for dev in range(32):
            if self.read32((bus, dev, 0), 0) & 0xFFFF == 0xFFFF:
                continue
            multi = self.read8((bus, dev, 0), 0x0E) & 0x80
            for fn in range(8 if multi else 1):
                ids = self.read32((bus, dev, fn), 0)
                if ids & 0xFFFF != 0xFFFF:
                    yield (bus, dev, fn), ids & 0xFFFF, ids >> 16

    def map_bars(self, bdf):
        """Size and place every BAR as a guest's firmware would, then enable
        I/O and memory decoding. Returns {index: (is_io, address)}."""
        bars = {}
        i = 0
        while i < 6:
            off = 0x10 + 4 * i
            self.write32(bdf, off, 0xFFFFFFFF)
            probe = self.read32(bdf, off)
            if probe == 0 or probe == 0xFFFFFFFF:
                i += 1
                continue
            if probe & 1:
                size = (~(probe & ~3) & 0xFFFF) + 1
                addr = _align(self.pio, size)
                if addr + size > PIO_END:
                    raise QtestError("no I/O space left for BAR%d of %s" % (i, _bdf(bdf)))
                self.pio = addr + size
                self.write32(bdf, off, addr)
                bars[i] = (True, addr)
                i += 1
                continue
            wide = (probe >> 1 & 3) == 2
            size = (~(probe & ~0xF) & 0xFFFFFFFF) + 1
            addr = _align(self.mmio, size)
            if addr + size > MMIO_END:
                raise QtestError("no memory space left for BAR%d of %s" % (i, _bdf(bdf)))
            self.mmio = addr + size
            self.write32(bdf, off, addr)
            if wide:
                self.write32(bdf, off + 4, 0)
            bars[i] = (False, addr)
            i += 2 if wide else 1
        # command: I/O space, memory space (status bits are write-1-to-clear)
        cmd = self.read32(bdf, 0x04) & 0xFFFF
        self.write32(bdf, 0x04, cmd | 0x3)
        return bars

    def capabilities(self, bdf):
        if not self.read32(bdf, 0x04) >> 16 & 0x10:
            return
        ptr = self.read8(bdf, 0x34) & 0xFC
        seen = set()
        while ptr and ptr not in seen:
            seen.add(ptr)
            yield ptr, self.read8(bdf, ptr)
            ptr = self.read8(bdf, ptr + 1) & 0xFC


def _align(x, a):
    return (x + a - 1) & ~(a - 1)


def _bdf(bdf):
    return "%02x:%02x.%x" % bdf


class Function:
    def __init__(self, bdf, device_id, legacy, modern):
        self.bdf = _bdf(bdf)
        self.device_id = device_id
        self.legacy = legacy
        self.modern = modern
        vec, mask = 0, 0
        if modern is not None:
            vec, mask = modern, (1 << 128) - 1 & ~LEGACY_ONLY_BITS
        if legacy is not None:
            vec = vec & ~0xFFFFFFFF | legacy
            mask |= 0xFFFFFFFF
            if modern is None:
                mask = 0xFFFFFFFF
        self.vector = vec
        self.mask = mask

    def line(self):
        return "%s 0x%x mask=0x%x legacy=%s modern=%s" % (
            self.bdf, self.vector, self.mask,
            "-" if self.legacy is None else "0x%x" % self.legacy,
            "-" if self.modern is None else "0x%x" % self.modern)


def read_function(pci, bdf, device_id):
    bars = pci.map_bars(bdf)
    legacy = None
    if device_id == NET_LEGACY and 0 in bars and bars[0][0]:
        # VIRTIO_PCI_HOST_FEATURES, the first register of the legacy header
        legacy = pci.q.inl(bars[0][1])
    modern = None
    for ptr, cap_id in pci.capabilities(bdf):
        if cap_id != PCI_CAP_VENDOR or pci.read8(bdf, ptr + 3) != VIRTIO_PCI_CAP_COMMON_CFG:
            continue
        bar = pci.read8(bdf, ptr + 4)
        if bar not in bars or bars[bar][0]:
            continue
        base = bars[bar][1] + pci.read32(bdf, ptr + 8)
        modern = 0
        for sel in range(4):  # device_feature_select, device_feature
            pci.q.writel(base + 0x00, sel)
            modern |= pci.q.readl(base + 0x04) << (32 * sel)
        break  # the first common configuration is the one a driver uses
    return Function(bdf, device_id, legacy, modern)


def virtio_net_functions(q):
    pci = Pci(q)
    found = list(pci.functions())
    return [read_function(pci, bdf, dev) for bdf, ven, dev in found
            if ven == VENDOR_VIRTIO and dev in (NET_LEGACY, NET_MODERN)]


def main(argv):
    timeout = 30
    args = argv[1:]
    if args[:1] == ["--timeout"] and len(args) > 1:
        timeout = float(args[1])
        args = args[2:]
    if not args or args[0].startswith("-"):
        print("usage: qtest_virtio.py [--timeout S] SOCKPATH [QEMU-COMMAND ...]", file=sys.stderr)
        return 2
    path, command = args[0], args[1:]
    proc = None
    try:
        with Listener(path) as lis:
            if command:
                proc = subprocess.Popen(command)
            with lis.accept(timeout, proc.pid if proc else None) as q:
                for f in virtio_net_functions(q):
                    print(f.line())
    except (QtestError, OSError) as e:
        print("qtest_virtio: %s" % e, file=sys.stderr)
        return 3
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
