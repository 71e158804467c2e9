#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bounce_tag.py - tag a proxy address as postmask-milter does (bounce_tag.h),
written independently of the C code, for the shell tests.

Usage: bounce_tag.py KEYS-FILE PROXY-ADDRESS [DAYS]
Prints PROXY-LOCAL+bTAG@DOMAIN signed with the first key of KEYS-FILE
("KEYID SECRET" lines) for today shifted by DAYS (e.g. -30: expired).
The key id in the address must be the first key's, unless the test means
to forge: then pass a keys file with another secret under the same id.
"""
import base64
import hashlib
import hmac
import sys
import time


def main():
    keys, address = sys.argv[1], sys.argv[2]
    days = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    for line in open(keys):
        f = line.split()
        if f and not f[0].startswith("#"):
            keyid, secret = f[0], f[1].encode()
            break
    local, domain = address.split("@")
    local = local.split("+")[0].lower()
    pid, b32 = local.split("-", 1)
    if pid != keyid:
        sys.exit("bounce_tag.py: the address's key id is %s, the file's %s"
                 % (pid, keyid))
    sid = base64.b32decode(b32.upper() + "=" * (-len(b32) % 8))[:16]
    day = ((int(time.time()) // 86400 + days) % 65536).to_bytes(2, "big")
    msg = b"postmask-bounce-v1\0" + keyid.encode() + b"\0" + sid + b"\0" + day
    mac = hmac.new(secret, msg, hashlib.sha256).digest()[:5]
    tag = base64.b32encode(day + mac).decode().rstrip("=").lower()
    print("%s+b%s@%s" % (local, tag, domain))


main()
