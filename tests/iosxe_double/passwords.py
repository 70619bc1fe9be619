"""Password forms of the IOS-XE TEST DOUBLE.

Type 7 is the real (reversible) Cisco obfuscation, so a `password 7 <hex>` line loaded from a backup
decrypts to the same secret. Type 6 (AES with the router's master key) is NOT the real algorithm: the
double produces a random cipher text of the same shape and remembers which secret it stands for, which
is all a client can observe (the text changes each time a secret is entered, and is never the secret).
"""
from __future__ import annotations

import secrets as _rnd

_XLAT = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"
_T6_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz[\\]^_`"


def type7_encrypt(plain: str, seed: int | None = None) -> str:
    if seed is None:
        seed = _rnd.randbelow(16)
    out = "%02d" % seed
    for i, ch in enumerate(plain):
        out += "%02X" % (ord(ch) ^ ord(_XLAT[(seed + i) % len(_XLAT)]))
    return out


def type7_decrypt(cipher: str) -> str | None:
    try:
        seed = int(cipher[:2])
        data = bytes.fromhex(cipher[2:])
    except ValueError:
        return None
    return "".join(chr(b ^ ord(_XLAT[(seed + i) % len(_XLAT)])) for i, b in enumerate(data))


class Type6Store:
    """Fake type 6 cipher texts, remembered per router (cipher -> secret)."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def encrypt(self, plain: str) -> str:
        length = 4 * ((len(plain) + 2) // 3) + 16
        cipher = "".join(_rnd.choice(_T6_ALPHABET) for _i in range(length)) + "AAB"
        self.known[cipher] = plain
        return cipher

    def decrypt(self, cipher: str) -> str | None:
        return self.known.get(cipher)
