#!/usr/bin/env python3
"""An independent verifier of Parmana attestations, signed alone or in a batch: Python's standard library for
the canonical JSON and the RFC 9162 Merkle walk, the openssl CLI for Ed25519. It shares no code with Parmana;
it is the README's "verify it yourself" recipe as a program, and the tests run it.

  verify_attestation.py ATTESTATION.json PUBLIC_KEY.pem     exit 0 valid, 1 invalid, 2 usage

The canonical JSON here (sorted keys, no spaces, UTF-8) equals Parmana's (RFC 8785) for what attestations hold:
strings, integers and booleans.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def root_from_path(leaf: bytes, index: int, size: int, path: list) -> bytes | None:
    """RFC 9162 section 2.1.3.2, the walk from a leaf hash to the root."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def signed_message(attestation: dict) -> bytes | None:
    """The bytes the attestation's signature must cover."""
    fields = {k: v for k, v in attestation.items() if k not in ("signature", "batch")}
    message = b"PARMANA_ATTESTATION_V1\n" + canonical(fields)
    batch = attestation.get("batch")
    if batch is None:
        return message
    leaf = hashlib.sha256(b"\x00" + message).digest()
    path = [bytes.fromhex(h) for h in batch["path"]]
    root = root_from_path(leaf, batch["leafIndex"], batch["treeSize"], path)
    if root is None:
        return None
    return b"PARMANA_ATTESTATION_BATCH_V1\n" + canonical({"root": root.hex(), "treeSize": batch["treeSize"]})


def openssl_verifies(public_key: str, message: bytes, signature: bytes) -> bool:
    with tempfile.TemporaryDirectory() as d:
        msg, sig = os.path.join(d, "msg"), os.path.join(d, "sig")
        with open(msg, "wb") as f:
            f.write(message)
        with open(sig, "wb") as f:
            f.write(signature)
        done = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", public_key, "-rawin", "-in", msg, "-sigfile", sig],
            capture_output=True,
        )
        return done.returncode == 0


def main(argv: list) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[4].strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    attestation = doc.get("attestation", doc)
    message = signed_message(attestation)
    valid = message is not None and openssl_verifies(argv[2], message, base64.b64decode(attestation["signature"]))
    print("valid" if valid else "INVALID")
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
