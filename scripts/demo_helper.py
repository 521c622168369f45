#!/usr/bin/env python3
"""Small helpers for scripts/demo.sh (standard library only).

    ports N                       print N free TCP ports on 127.0.0.1 (bound at once, then freed)
    find DIR KIND ...             the file in DIR holding a given package or receipt
    receipt FILE PEM              print a receipt's fields (key=value) and write its signer
                                  certificate to PEM
    federation OUT --hub ... --organ ...   write demo/federation.json

The documents and status packages themselves are written by docaxis-fixtures
(tests/support/, the project's edXML writer); the signature is added afterwards by
`docaxis sign` or `docaxis-agent`.
"""
import argparse
import glob
import hashlib
import json
import os
import re
import socket
import sys
import xml.etree.ElementTree as ET

EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
RECEIPT_NS = "urn:docaxis:receipt:1"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"


def cmd_ports(a):
    socks = []
    for _ in range(a.n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    print(" ".join(str(s.getsockname()[1]) for s in socks))
    for s in socks:
        s.close()


def text(root, path, ns):
    e = root.find(path, ns)
    return (e.text or "").strip() if e is not None else ""


def describe(path):
    """(kind, key fields) of an edXML package or a receipt; None when unreadable."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError):
        return None
    ns = {"e": EDXML_NS, "r": RECEIPT_NS}
    if root.tag == "{%s}DeliveryReceipt" % RECEIPT_NS:
        return "receipt", {k: text(root, "r:" + k, ns) for k in
                           ("ReceiptId", "DocumentId", "Sender", "Recipient", "Outcome",
                            "DeliveredSha256", "IssuerHub", "Reason")}
    hdr = ".//e:MessageHeader/"
    if root.find(hdr + "e:StatusCode", ns) is not None:
        return "status", {"from": text(root, hdr + "e:From/e:OrganId", ns),
                          "for_doc": text(root, hdr + "e:ResponseFor/e:DocumentId", ns),
                          "for_organ": text(root, hdr + "e:ResponseFor/e:OrganId", ns),
                          "code": text(root, hdr + "e:StatusCode", ns)}
    return "edoc", {"from": text(root, hdr + "e:From/e:OrganId", ns),
                    "id": text(root, hdr + "e:DocumentId", ns)}


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def cmd_find(a):
    """Prints the path of the first matching file (oldest first), nothing when none matches."""
    want_sha = sha256_file(a.sha_of) if a.sha_of else None
    files = sorted(glob.glob(os.path.join(a.dir, "*")), key=os.path.getmtime)
    for f in files:
        if os.path.basename(f).startswith(".") or not os.path.isfile(f):
            continue
        d = describe(f)
        if d is None or d[0] != a.kind:
            continue
        kind, v = d
        if kind == "edoc" and v["id"] == a.doc:
            print(f)
            return
        if kind == "status" and v["for_doc"] == a.doc and (not a.code or v["code"] == a.code):
            print(f)
            return
        if (kind == "receipt" and v["DeliveredSha256"] == want_sha
                and (not a.recipient or v["Recipient"] == a.recipient)):
            print(f)
            return


def cmd_receipt(a):
    kind, v = describe(a.file)
    if kind != "receipt":
        sys.exit("demo_helper: %s is not a delivery receipt" % a.file)
    root = ET.parse(a.file).getroot()
    ns = {"r": RECEIPT_NS, "ds": DSIG_NS}
    hops = [text(h, "r:Hub", ns) for h in root.findall("r:Hops/r:Hop", ns)]
    certs = root.findall(".//ds:X509Certificate", ns)
    if certs:
        b64 = re.sub(r"\s+", "", certs[0].text or "")
        with open(a.pem, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\n")
            for i in range(0, len(b64), 64):
                f.write(b64[i:i + 64] + "\n")
            f.write("-----END CERTIFICATE-----\n")
    for k, value in v.items():
        print("%s=%s" % (k, value))
    print("Hops=%s" % " > ".join(hops))


def cmd_federation(a):
    """demo/federation.json: its shape is pinned in the top-level README.md."""
    doc = {
        "version": 1,
        "hubs": [dict(zip(("name", "amqp_url", "server_name", "admin", "data_dir", "config",
                           "log"), h)) for h in a.hub],
        "organs": [dict(zip(("id", "name", "hub", "cert", "key", "chain", "fullchain"), o))
                   for o in a.organ],
        "trust_anchors": a.trust_anchors,
        "intermediates": a.intermediates,
        "crl": a.crl,
    }
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, a.out)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("ports")
    s.add_argument("n", type=int)
    s.set_defaults(fn=cmd_ports)

    s = sub.add_parser("find")
    s.add_argument("dir")
    s.add_argument("kind", choices=["edoc", "status", "receipt"])
    s.add_argument("--doc", help="edoc: DocumentId; status: ResponseFor/DocumentId")
    s.add_argument("--code", help="status: StatusCode")
    s.add_argument("--sha-of", help="receipt: the file whose SHA-256 it must carry")
    s.add_argument("--recipient", help="receipt: its Recipient")
    s.set_defaults(fn=cmd_find)

    s = sub.add_parser("receipt")
    s.add_argument("file")
    s.add_argument("pem")
    s.set_defaults(fn=cmd_receipt)

    s = sub.add_parser("federation")
    s.add_argument("out")
    s.add_argument("--hub", nargs=7, action="append", required=True,
                   metavar=("NAME", "URL", "SERVER_NAME", "ADMIN", "DATA_DIR", "CONFIG", "LOG"))
    s.add_argument("--organ", nargs=7, action="append", required=True,
                   metavar=("ID", "NAME", "HUB", "CERT", "KEY", "CHAIN", "FULLCHAIN"))
    s.add_argument("--trust-anchors", required=True)
    s.add_argument("--intermediates", required=True)
    s.add_argument("--crl", required=True)
    s.set_defaults(fn=cmd_federation)

    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
