#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make_seeds.py - write the handwritten seed inputs of every fuzz target into
fuzz/corpus/TARGET/seed-NN (valid and edge-case inputs from the man pages and
tests). Run again after editing; libFuzzer adds its own finds beside them."""
import hashlib
import hmac
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

S = {}

S["duration"] = [b"250us", b"3s", b"none", b"0ns", b"1ms", b"10us",
                 b"18446744073709551614ns", b"18446744073709551615ns",
                 b"18446744073s", b"18446744074s", b"99999999999999999999999ns",
                 b"5", b"ms", b"-1s", b"1.5s", b" 1s", b"00001ns", b"nonE", b""]

S["kvline"] = [b"\x04name=myapp accuracy=10us at=1 x=5\n", b"\x02name=a\tname=b",
               b"\x03at=-9223372036854775808", b"\x03at=18446744073709551615",
               b"\x03at=18446744073709551616", b"\x04x==1 ", b"\x01=v", b"\x01name=",
               b"\x04x=9223372036854775807\n", b"\x04x=-0", b"\x00", b"\x02 \t ",
               b"\x01name=a\n\n", b"\x01name=\x7f", b"\x01name=app.1_x-Y",
               b"\x01name=" + b"a" * 65]

S["reqline"] = [b"accuracy=10us resolution=1ms\n", b"accuracy=5us/1ms", b"resolution=none",
                b"name=myapp accuracy=10us resolution=1ms\n", b"name=a accuracy=none/3s",
                b"accuracy=0ns", b"accuracy=/", b"accuracy=1s/", b"name=.x accuracy=1s",
                b"accuracy=18446744073709551615ns", b"accuracy=18446744073709551614ns",
                b"\n", b"name=app\tresolution=1s", b"name=app", b"accuracy=none",
                b"name=" + b"n" * 64 + b" accuracy=1s", b"accuracy=1s accuracy=2s"]

S["timerline"] = [b"at=1795304408.352279030\n", b"commit=-1.5", b"period=1s",
                  b"period=1s phase=250ms\n", b"period=1us", b"period=999ns",
                  b"at=9223372036.854775807", b"at=-9223372036.854775808",
                  b"at=9223372036.854775808", b"phase=1s", b"at=1 commit=2", b"at=1.",
                  b"at=1.1234567890", b"period=none", b"period=1s phase=1s",
                  b"period=18446744073709551614ns phase=18446744073709551613ns",
                  b"-0.000000001", b"1795304408"]

SYNC = (b"status=synced anchor=1795304408352279030 timeline=1795304408352279030 "
        b"freq=-18446744073 offset_below=5000 offset_above=5000 drift_below=18446744073 "
        b"drift_above=18446744073 stale_after=1795304412352279030")
S["params"] = [SYNC + b" source=ptp0\n", SYNC + b"\n",
               b"status=unsynced anchor=0 timeline=0 freq=0 offset_below=unbounded "
               b"offset_above=unbounded drift_below=0 drift_above=0 stale_after=never\n",
               b"status=holdover anchor=-9223372036854775808 timeline=9223372036854775807 "
               b"freq=184467440737095516 offset_below=18446744073709551615 offset_above=0 "
               b"drift_below=184467440737095516 drift_above=184467440737095516 "
               b"stale_after=9223372036854775806",
               b"status=synced anchor=10 timeline=-10 freq=-184467440737095516 offset_below=1 "
               b"offset_above=1 drift_below=0 drift_above=0 stale_after=11 source=a",
               b"status=stale anchor=0 timeline=0 freq=0 offset_below=0 offset_above=0 "
               b"drift_below=0 drift_above=0 stale_after=1",
               SYNC.replace(b"stale_after=1795304412352279030", b"stale_after=1795304408352279030"),
               SYNC + b" source=.hidden"]

S["members"] = [b"leader=none\n", b"leader=a\nnode=a\nnode=b accuracy=10us resolution=1ms\n",
                b"leader=b\nnode=a\n", b"leader=none\nnode=a accuracy=1ms/2ms\n",
                b"leader=a\nnode=a\nnode=a\n", b"leader=none\nnode=a", b"leader=none\n\n",
                b"leader=none\n accuracy=1s node=a\n", b"node=a until=123456789",
                b"node=coord until=0\n", b"until=-1 node=a", b"node=n until=9223372036854775807",
                b"leader=none\n" + b"".join(b"node=n%d\n" % i for i in range(20))]

S["hlc"] = [b"1795304408352279030.000042\n", b"9223372036854775807.999999",
            b"9223372036854775808.000000", b"0000000000000000000.000000",
            b"1795304408352279030.000001", b"179530440835227903.0000001",
            b"1795304408352279030.00004\n", b"-795304408352279030.000042",
            b"1795304408352279030,000042", b"1795304408352279030.000042\n\n"]

S["config"] = [b"", b"# /etc/qot/syncd.conf\nsource ntp chrony                # 127.0.0.1 port 323\n"
               b"source kernel system\n",
               b"interval 500ms\nholdover 1800s\nsource ntp chrony socket /run/chrony/chronyd.sock\n"
               b"source kernel system\n",
               b"source ptp ptp socket /var/run/ptp4l window 128 asymmetry 500ns\nsource ntp chrony\n"
               b"timeline plc ptp ntp\ntimeline robot ptp ntp\ntimeline * ntp\n",
               b"mount /srv/qot\nrundir /run/qot-srv\nsource ntp chrony maxdrift 20\n",
               b"mount /qot\nrundir /run/qot\ninterval 1s\nholdover 300s\nstale 4s\nmaxslew 500\n"
               b"source system system maxdrift 500 poll 1s missed 8 minbound 1ms\ntimeline * system\n",
               b"source ntp chrony address 127.0.0.1 port 3323 missed 2\n"
               b"source unix chrony socket /tmp/chronyd/cmd.sock missed 2\n",
               b"source p ptp socket /tmp/slave.sock poll 125ms missed 4 domain 0 confidence 0.99 "
               b"initial 1ms asymmetry auto\n",
               b"source a chrony\ntimeline * b\n", b"source ntp chrony address ::1\n",
               b"source ntp chrony address 10.0.0.1\n", b"stale 1s\ninterval 1s\n",
               b"rundir /" + b"r" * 120 + b"\nsource p ptp\n",
               b"".join(b"source s%d system\n" % i for i in range(9)),
               b"maxslew 1e4\r\nmaxslew nan\n", b"source x system\x00\n"]

def chrony_reply(seq, status=0, high=0, low=1795304408, ns=352279030, length=104, code=5):
    hdr = struct.pack(">BBBBHHHHIIII", 6, 2, 0, 0, 33, code, status, 0, 0, seq, 0, 0)
    body = struct.pack(">I", 0x7F000001) + b"\x00" * 20 + struct.pack(">HH", 2, 0)
    body += struct.pack(">III", high, low, ns)
    body += b"".join(struct.pack(">I", x) for x in
                     (0x0A123456, 0x0B000001, 0x0BFFFFFF, 0x10000100, 0x01000000,
                      0x00800000, 0x08400000, 0x08200000, 0x3E000000))
    pkt = hdr + body
    return (pkt + b"\x00" * 104)[:length]

S["chrony"] = [chrony_reply(7), chrony_reply(0xDEADBEEF, high=0x7FFFFFFF),
               chrony_reply(3, status=2), chrony_reply(9, length=28),
               chrony_reply(9, length=103), chrony_reply(1, code=4),
               chrony_reply(5, high=0xFFFFFFFF, low=0xFFFFFFFF, ns=999999999),
               chrony_reply(5, high=0x7FFFFFFE)]

def ptp_resp(seq, mgmt_id, data, tlv_type=1, action=2, msg_len=None, extra=b""):
    tlv = struct.pack(">HHH", tlv_type, 2 + len(data), mgmt_id) + data
    body_len = 34 + 14 + len(tlv)
    hdr = bytearray(34)
    hdr[0] = 0x0D
    hdr[1] = 2
    struct.pack_into(">H", hdr, 2, msg_len if msg_len is not None else body_len)
    struct.pack_into(">H", hdr, 30, seq)
    hdr[32] = 4
    mgmt = b"\xff" * 10 + bytes([0, 0, action, 0])
    return bytes(hdr) + mgmt + tlv + extra

TS = struct.pack(">qq", -1234, 1795304408352279030) + b"\x00" * 22 + struct.pack(">i", 1) + b"\x01" * 8
S["ptp"] = [ptp_resp(1, 0xC000, TS), ptp_resp(2, 0x2004, b"\x02" * 10 + b"\x09" + b"\x00" * 15),
            ptp_resp(3, 0x2001, struct.pack(">Hqq", 1, 100 << 16, 5000 << 16)),
            ptp_resp(4, 0x2001, struct.pack(">Hqq", 1, 0, 0x7FFFFFFFFFFFFFFF)),
            ptp_resp(5, 0x2002, b"\x00" * 20 + b"\x21" + b"\x00" * 11),
            ptp_resp(6, 0xC000, b"\x00\x01" + b"\x00" * 6, tlv_type=2),
            ptp_resp(7, 0xC000, TS, msg_len=40), ptp_resp(8, 0xC000, TS[:10]),
            ptp_resp(9, 0xC000, TS, action=0), ptp_resp(10, 0xC000, TS, extra=b"\x00" * 8)]

S["zkpath"] = [b"node1_0000000001", b"a_9999999999", b"/qot/timelines/tl",
               b"/qot/timelines/tl/nodes/n1", b"/qot/timelines/tl/election/n_0000000003",
               b"/qot/timelines/", b"_0000000001", b"a_000000001", b"a-0000000001",
               b".a_0000000001", b"/qot/timelines/.x/nodes", b"x" * 64 + b"_0123456789",
               b"a_00000000\x0001",
               # member data: a requirement, then the peer endpoint
               b"accuracy=10us resolution=1ms peer=10.0.0.1:3219",
               b"accuracy=2us/3us resolution=none peer=[fd00::1]:3219", b"peer=10.0.0.1:0",
               b"accuracy=1ms peer=host:1 rank=3"]

HLC = b'"hlc":"1795304408352279030.000042"'
S["jsonline"] = [b'{"node":"web1","hlc":"1795304408352279030.000042","pt":1795304408352279001,'
                 b' "send":"req-17","msg":"GET /x"}\n',
                 b'{' + HLC + b',"pt":-9223372036854775808,"recv":"m\\u00e9\\n",'
                 b'"x":[1,2.5e-3,{"y":null,"z":[true,false]}]}\n   \n',
                 b'{' + HLC + b',"pt":9223372036854775808}', b'{' + HLC + b',"pt":1.5}',
                 b'{"pt":1}', b'{}', b'{' + HLC + b',' + HLC + b',"pt":1}',
                 b'{' + HLC + b',"pt":1,"node":""}', b'{' + HLC + b',"pt":1} x',
                 b'{' + HLC + b',"pt":1,"a":' + b'[' * 70 + b']' * 70 + b'}',
                 b'{' + HLC + b',"pt":1,"a":"\\q"}', b'{' + HLC + b',"pt":1,"a":"\\u12"}',
                 b'\t{ "hlc" : "0000000000000000001.000000" , "pt" : 0 }\r',
                 b'{' + HLC + b',"pt":01}', b'{' + HLC + b',"pt":1,"a":-}',
                 b'{"hlc":"1795304408352279030.000042\n","pt":1}']


# The first byte picks the file name (fuzz_alignlog.c).
H = [b'"hlc":"18000000000000000%02d.0000%02d"' % (i // 3, i % 3) for i in range(9)]
S["alignlog"] = [b"\x00" + b"".join(b'{' + H[i] + b',"pt":1800000000000000000,"node":"web1"}\n'
                                    for i in range(3)),
                 b"\x01" + b'{' + H[0] + b',"pt":1,"send":"m1"}\n\n  \n{' + H[1] + b',"pt":2,'
                 b'"recv":"m0","x":{"a":[1]}}',
                 b"\x02" + b'{' + H[0] + b',"pt":1}\n',
                 b"\x03" + b'{' + H[0] + b',"pt":1}\n',
                 b"\x04" + b'{' + H[1] + b',"pt":1,"node":"x"}\n{' + H[0] + b',"pt":1}\n',
                 b"\x00" + b'{' + H[0] + b',"pt":1,"node":"x"}\n{' + H[1] + b',"pt":1,"node":"y"}\n',
                 b"\x00" + b'{' + H[0] + b',"pt":1,"node":"' + b"n" * 129 + b'"}\n',
                 b"\x00" + b'{' + H[0] + b',"pt":1}\nnot json\n',
                 b"\x00" + b'{' + H[2] + b',"pt":1,"node":"a\\"b"}\n{' + H[2] + b',"pt":1}\n',
                 b"\x01\n\n\n"]


# fuzz_peerwire.c: the first byte picks the mode (0 datagram, 1 re-signed,
# 2 struct, 3 sequence numbers, 4 key file); packets signed with its key.
PEER_KEY = b"fuzz-peer-key-0123456789abcdefgh"


def peer_packet(mtype=1, flags=0, status=1, epoch=0, depth=0, timeline=b"robots", node=b"node-a",
                seq=1795304408352279031, echo=0, sent=1795304408352279030, t1=1795304408352279030,
                t2=0, t3=0, below=0, above=0, corr=0, key_id=7, sign=True):
    body = (b"QOTP" + struct.pack(">BBHIIIHH", 2, mtype, flags, key_id, status, epoch, depth, 0)
            + timeline.ljust(64, b"\0") + node.ljust(64, b"\0")
            + struct.pack(">QQqqqqQQq", seq, echo, sent, t1, t2, t3, below, above, corr))
    assert len(body) == 224
    mac = hmac.new(PEER_KEY, body, hashlib.sha256).digest() if sign else b"\0" * 32
    return body + mac


REQ = peer_packet()
RESP = peer_packet(mtype=2, flags=0x9, echo=5, t2=1795304408352300000, t3=1795304408352310000,
                   below=1000, above=18446744073709551615)
CORR = peer_packet(mtype=3, flags=0x5, echo=6, corr=-7000000, depth=0)
FUP = peer_packet(mtype=4, flags=0x9, echo=5, t3=1795304408352310500, below=1000, above=1000)
S["peerwire"] = [b"\x00" + REQ, b"\x00" + RESP, b"\x00" + CORR, b"\x00" + FUP, b"\x00" + REQ[:100],
                 b"\x00" + REQ + b"\0", b"\x00" + peer_packet(key_id=8),
                 b"\x00" + peer_packet(node=b"n" * 64, timeline=b"t" * 64),
                 b"\x01" + REQ[:224], b"\x01" + RESP[:224], b"\x01" + CORR[:224],
                 b"\x01" + peer_packet(node=b"a\0b", sign=False)[:224],
                 b"\x01" + peer_packet(mtype=1, t2=5, sign=False)[:224],
                 b"\x01" + peer_packet(flags=0x10, sign=False)[:224],
                 b"\x02" + RESP[:224], b"\x02" + CORR[:224], b"\x02" + peer_packet(status=3)[:224],
                 b"\x03" + struct.pack(">8Q", 100, 100, 98, 163, 99, 98, 1000, 0),
                 b"\x03" + struct.pack(">4Q", 2**64 - 1, 2**64 - 64, 2**64 - 65, 1),
                 b"\x04# keys\n7 00112233445566778899aabbccddeeff\n8 base64:AAECAwQFBgcICQoLDA0ODxAREhM=\n",
                 b"\x04" + b"1 " + b"ab" * 64 + b"\n", b"\x044294967295 00112233445566778899aabbccddeeff",
                 b"\x047 00112233445566778899aabbccddeeff\n7 00112233445566778899aabbccddeeff\n",
                 b"\x05" + struct.pack(">6q", 1000200000, 1001230000, 1001240000, 1000310000,
                                       1000000000, 1000110000),
                 b"\x05" + struct.pack(">6qBI", 0, 0, 0, 3, 0, 3, 1, 1),
                 b"\x05" + struct.pack(">6q", 10, 2**63 - 2, 2**63 - 1, 40, 10, 40)]


def main():
    targets = sys.argv[1:] or sorted(S)
    for t in targets:
        d = os.path.join(CORPUS, t)
        os.makedirs(d, exist_ok=True)
        for i, data in enumerate(S[t]):
            with open(os.path.join(d, "seed-%02d" % i), "wb") as f:
                f.write(data)


main()
