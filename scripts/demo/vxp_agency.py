#!/usr/bin/env python3
"""An agency's document system that speaks only the axis HTTP API (hub/vxp/README.md), as the
official client SDK does: standard library only, used by scripts/demo.sh.

    vxp_agency.py --url URL --system ID --secret-file FILE --ca PEM [--ca PEM ...] OP ...

    send FILE [--type edoc|status]   sendEdoc: prints the DocId
    received [--type edoc|status]    getReceivedEdocList: prints the items (JSON, one a line)
    get DOCID OUT                    getEdoc: writes the package's bytes to OUT
    update DOCID STATUS [--description TEXT]   updateStatus
    sent [DOCID] [--type edoc|status]          getSentEdocList: prints the items (JSON, one a line)
    agencies                         getAgenciesList: prints the items (JSON, one a line)

Every request is signed as the SDK signs it: the parameters travel as XroadVnpt-<key> headers,
XroadVnpt-sign-header is the compact JSON object of all of them (systemid, timestamp and
Content-Type included), XroadVnpt-hash-header the lower-case hex HMAC-SHA256 of those exact
bytes keyed with the secret's bytes. sendEdoc's body is the package followed by CRLF, bound by
the signed hash-file: the package's SHA-256 with each byte in hex without zero padding.
The hub's certificate is verified against the given CA files (the demo's test PKI).
Exit 0 on an OK answer; 1 with the answer's ErrorCode and ErrorDesc on FAIL; 2 on a transport
or usage error.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import ssl
import sys
import time
import urllib.parse


def sdk_hash_file(data):
    """The SDK's hash-file: Integer.toHexString(b & 0xff) per byte of the SHA-256, no padding."""
    return "".join("%x" % b for b in hashlib.sha256(data).digest())


class Client:
    def __init__(self, url, system, secret, cafiles, timeout=30):
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("https", "http"):
            raise ValueError("url: https://host:port/prefix expected, got %r" % url)
        self.scheme, self.host, self.port = u.scheme, u.hostname, u.port
        self.prefix = u.path.rstrip("/")
        self.system, self.secret = system, secret
        self.timeout = timeout
        # The SDK fixes its timestamp when the client object is made: ddMMyyyy'T'HHmmss+SSSS.
        t = time.time()
        self.timestamp = time.strftime("%d%m%YT%H%M%S", time.localtime(t)) + "+%04d" % int(
            (t % 1) * 1000)
        self.ctx = None
        if self.scheme == "https":
            if not cafiles:
                raise ValueError("https needs --ca (the CA that issued the hub's certificate)")
            # Only these CAs (never the system's), and the URL's host checked against the
            # certificate's names (the demo hubs' certificates carry IP:127.0.0.1).
            self.ctx = ssl.create_default_context(cafile=cafiles[0])
            for f in cafiles[1:]:
                self.ctx.load_verify_locations(cafile=f)

    def call(self, op, params, body=b"", method="POST", content_type="application/json"):
        """One signed request; returns (HTTP status, body bytes)."""
        signed = {"systemid": self.system}
        signed.update(params)
        signed["timestamp"] = self.timestamp
        signed["Content-Type"] = content_type
        sign_header = json.dumps({"XroadVnpt-" + k: v for k, v in signed.items()},
                                 separators=(",", ":"), ensure_ascii=False)
        mac = hmac.new(self.secret, sign_header.encode("utf-8"), hashlib.sha256).hexdigest()
        headers = {"XroadVnpt-" + k: v for k, v in signed.items()}
        headers.update({
            "XroadVnpt-sign-header-key": ";".join(signed),
            "XroadVnpt-sign-header": sign_header,
            "XroadVnpt-hash-header": mac,
            "XroadVnpt-version": "3.0.201608",
            "User-Agent": "docaxis-demo vxp_agency.py (JAVASDKAgent/1.0.0 XRoad/VPCP compatible)",
            "Content-Type": content_type,
        })
        if self.scheme == "https":
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=self.ctx)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, "%s/%s" % (self.prefix, op), body=body, headers=headers)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def json_call(self, op, params, **kw):
        status, raw = self.call(op, params, **kw)
        try:
            answer = json.loads(raw.decode("ascii"))
        except (UnicodeDecodeError, ValueError) as e:
            raise ApiError("%s: HTTP %d, not an ASCII JSON answer (%s): %r" % (op, status, e, raw[:200]))
        for k in ("status", "ErrorCode", "ErrorDesc"):
            if not isinstance(answer.get(k), str):
                raise ApiError("%s: HTTP %d, answer without a string %s: %r" % (op, status, k, raw[:200]))
        if answer["status"] != "OK" or answer["ErrorCode"] != "0":
            raise ApiError("%s: %s ErrorCode %s: %s (HTTP %d)" % (
                op, answer["status"], answer["ErrorCode"], answer["ErrorDesc"], status))
        return answer

    def send_edoc(self, package, messagetype="edoc"):
        answer = self.json_call("sendEdoc", {
            "servicetype": "eDoc", "messagetype": messagetype, "hash-file": sdk_hash_file(package),
        }, body=package + b"\r\n", content_type="application/octet-stream")
        doc_id = answer.get("DocId")
        if not isinstance(doc_id, str) or not doc_id:
            raise ApiError("sendEdoc: OK without a DocId: %r" % answer)
        return doc_id


class ApiError(Exception):
    pass


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="the hub's API endpoint: https://host:port/prefix")
    p.add_argument("--system", required=True, help="the system id")
    p.add_argument("--secret-file", required=True, help="the shared secret (one trailing newline ignored)")
    p.add_argument("--ca", action="append", default=[], help="CA certificates (PEM) to verify the hub")
    sub = p.add_subparsers(dest="op", required=True)
    s = sub.add_parser("send")
    s.add_argument("file")
    s.add_argument("--type", default="edoc", choices=["edoc", "status"])
    s = sub.add_parser("received")
    s.add_argument("--type", default="edoc", choices=["edoc", "status"])
    s = sub.add_parser("get")
    s.add_argument("doc_id")
    s.add_argument("out")
    s = sub.add_parser("update")
    s.add_argument("doc_id")
    s.add_argument("status")
    s.add_argument("--description")
    s = sub.add_parser("sent")
    s.add_argument("doc_id", nargs="?")
    s.add_argument("--type", default="edoc", choices=["edoc", "status"])
    sub.add_parser("agencies")
    a = p.parse_args()

    try:
        with open(a.secret_file, "rb") as f:
            secret = f.read()
        if secret.endswith(b"\n"):
            secret = secret[:-1]
        c = Client(a.url, a.system, secret, a.ca)
        if a.op == "send":
            with open(a.file, "rb") as f:
                print(c.send_edoc(f.read(), a.type))
        elif a.op in ("received", "sent", "agencies"):
            if a.op == "received":
                answer = c.json_call("getReceivedEdocList", {"servicetype": "eDoc", "messagetype": a.type})
            elif a.op == "sent":
                params = {"servicetype": "eDoc", "messagetype": a.type}
                if a.doc_id:
                    params["docId"] = a.doc_id
                answer = c.json_call("getSentEdocList", params)
            else:
                answer = c.json_call("getAgenciesList", {})
            data = answer.get("data")
            if not isinstance(data, list):
                raise ApiError("%s: OK without a data list: %r" % (a.op, answer))
            for item in data:
                print(json.dumps(item, ensure_ascii=False, sort_keys=True))
        elif a.op == "get":
            answer = c.json_call("getEdoc", {"docId": a.doc_id, "filePath": "."}, body=b"{}")
            if not isinstance(answer.get("data"), str):
                raise ApiError("getEdoc: OK without data: %r" % answer)
            with open(a.out, "wb") as f:
                f.write(base64.b64decode(answer["data"], validate=True))
        elif a.op == "update":
            params = {"docId": a.doc_id, "status": a.status}
            if a.description is not None:
                params["description"] = a.description
            answer = c.json_call("updateStatus", params, body=b"{}")
            print(answer.get("state", ""))
    except ApiError as e:
        print("vxp_agency: %s" % e, file=sys.stderr)
        sys.exit(1)
    except (OSError, ValueError, ssl.SSLError, http.client.HTTPException) as e:
        print("vxp_agency: %s: %s" % (a.url, e), file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
