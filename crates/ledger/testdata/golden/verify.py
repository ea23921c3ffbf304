#!/usr/bin/env python3
"""Checks the golden vectors in this folder with an independent Ed25519 (pyca/cryptography),
re-deriving every key id, public key and signature from the seeds. Not run by CI; run by hand:
    python3 -m pip install cryptography && python3 verify.py
"""
import base64
import hashlib
import pathlib
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HERE = pathlib.Path(__file__).parent
DASH = "\u2014 "


def read(name):
    return (HERE / name).read_text(encoding="utf-8")


def key_id(name, alg, pub):
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + pub).digest()[:4]


def signer(skey_file):
    _, _, name, kid, b64 = read(skey_file).strip().split("+", 4)
    raw = base64.b64decode(b64, validate=True)
    assert raw[0] == 0x01 and len(raw) == 33
    priv = Ed25519PrivateKey.from_private_bytes(raw[1:])
    pub = priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert key_id(name, 0x01, pub).hex() == kid, skey_file
    return name, priv, pub


def vkey(vkey_file, alg, name, pub):
    want = f"{name}+{key_id(name, alg, pub).hex()}+{base64.b64encode(bytes([alg]) + pub).decode()}\n"
    assert read(vkey_file) == want, vkey_file


def line(name, kid, sig):
    return f"{DASH}{name} {base64.b64encode(kid + sig).decode()}\n"


member, member_priv, member_pub = signer("member.skey")
assert member_priv.private_bytes_raw() == bytes([1]) * 32
vkey("member.vkey", 0x01, member, member_pub)
text, sigs = read("position.note").rsplit("\n\n", 1)
text += "\n"
assert sigs == line(member, key_id(member, 1, member_pub), member_priv.sign(text.encode()))

log, log_priv, log_pub = signer("log.skey")
vkey("log.vkey", 0x01, log, log_pub)
body = read("checkpoint.txt")
origin, size, root, empty = body.split("\n")
assert (origin, size, empty) == (log, "8", "")
assert base64.b64decode(root).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
log_line = line(log, key_id(log, 1, log_pub), log_priv.sign(body.encode()))
assert read("checkpoint.note") == body + "\n" + log_line

witness, witness_priv, witness_pub = signer("witness.skey")
vkey("witness.vkey", 0x04, witness, witness_pub)
t = 1767225600
cosig = witness_priv.sign(f"cosignature/v1\ntime {t}\n".encode() + body.encode())
cosig_line = line(witness, key_id(witness, 4, witness_pub), struct.pack(">Q", t) + cosig)
assert read("cosignature.txt") == cosig_line
assert read("checkpoint-cosigned.note") == body + "\n" + log_line + cosig_line
Ed25519PublicKey.from_public_bytes(witness_pub).verify(cosig, f"cosignature/v1\ntime {t}\n".encode() + body.encode())
print("all golden vectors check")
