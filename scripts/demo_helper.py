#!/usr/bin/env python3
"""Small helpers for scripts/demo.sh (standard library only).

    ports N                       print N free TCP ports on 127.0.0.1 (bound at once, then freed)
    find DIR KIND ...             the file in DIR holding a given package or receipt
    receipt FILE PEM              print a receipt's fields (key=value) and write its signer
                                  certificate to PEM
    federation OUT --hub ... --organ ...   write demo/federation.json
    topology shell FILE           the federation of FILE (tests/support/federation-topology.json)
                                  as bash declarations: HUBS, ORGANS, HUB_OF, NAME_OF, LABEL
    topology toml FILE HUB PKI NAME=PORT...
                                  HUB's [[endpoints]], [[peers]], [[routes]] and [routing]
    topology directory FILE OUT [--organ ID NAME]...
                                  the hubs' [vxp] directory_file (hub/vxp/README.md
                                  "Directory"): the organs of FILE and the ones given

The documents and status packages themselves are written by docaxis-fixtures
(tests/support/, the project's edXML writer); the signature is added afterwards by
`docaxis sign` or `docaxis-agent`.
"""
import argparse
import base64
import glob
import hashlib
import json
import os
import re
import shlex
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
    vxp_urls = dict(a.vxp_hub)
    ops_urls = {h[0]: h[1:] for h in a.ops_hub}
    vxp_organs = {o[0]: o[1:] for o in a.vxp_organ}
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
    for h in doc["hubs"]:  # added fields (version 1): the hub's axis HTTP API endpoint
        if h["name"] in vxp_urls:
            h["vxp_url"] = vxp_urls[h["name"]]
        if h["name"] in ops_urls:  # and its operator endpoint (hub/ops)
            h["metrics_url"], h["status_url"] = ops_urls[h["name"]]
    for o in doc["organs"]:  # and, for an organ that uses it, its system and secret file
        if o["id"] in vxp_organs:
            o["vxp_system"], o["vxp_secret_file"] = vxp_organs[o["id"]]
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, a.out)


def load_topology(path):
    """The demo federation (tests/support/federation-topology.json; format: tests/support/README.md)."""
    with open(path, encoding="utf-8") as f:
        t = json.load(f)
    names = [h["name"] for h in t["hubs"]]
    for h in t["hubs"]:
        for p in h["peers"]:
            if p["name"] not in names:
                sys.exit("demo_helper: %s: hub %s: unknown peer %s" % (path, h["name"], p["name"]))
        for r in h["routes"]:
            if r["to"] not in names:
                sys.exit("demo_helper: %s: hub %s: route to unknown hub %s" % (path, h["name"], r["to"]))
    for o in t["organs"]:
        if o["hub"] not in names:
            sys.exit("demo_helper: %s: organ %s: unknown hub %s" % (path, o["id"], o["hub"]))
    return t


def cmd_topology_shell(a):
    t = load_topology(a.file)
    q = shlex.quote
    print("HUBS=(%s)" % " ".join(q(h["name"]) for h in t["hubs"]))
    print("ORGANS=(%s)" % " ".join(q(o["id"]) for o in t["organs"]))
    for var, key in (("HUB_OF", "hub"), ("NAME_OF", "name"), ("LABEL", "label")):
        print("declare -A %s=(%s)" % (var, " ".join(
            "[%s]=%s" % (q(o["id"]), q(o.get(key, ""))) for o in t["organs"])))


def cert_sha256(pem_path):
    """SHA-256 of a PEM certificate's DER bytes, lower-case hex (openssl x509 -fingerprint)."""
    with open(pem_path) as f:
        pem = f.read()
    m = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", pem, re.S)
    if not m:
        sys.exit("demo_helper: %s: no certificate" % pem_path)
    return hashlib.sha256(base64.b64decode(re.sub(r"\s+", "", m.group(1)))).hexdigest()


def toml_list(values):
    return "[%s]" % ", ".join(json.dumps(v, ensure_ascii=False) for v in values)


def cmd_topology_toml(a):
    t = load_topology(a.file)
    hub = next((h for h in t["hubs"] if h["name"] == a.hub), None)
    if hub is None:
        sys.exit("demo_helper: %s: no hub %s" % (a.file, a.hub))
    ports = dict(p.split("=", 1) for p in a.ports)
    out = []
    for o in t["organs"]:
        if o["hub"] == a.hub:
            out.append('\n[[endpoints]]\norgan = %s\nname = %s' % (
                json.dumps(o["id"]), json.dumps(o.get("name", ""), ensure_ascii=False)))
    for p in hub["peers"]:
        # Pinned by the SHA-256 of its certificate (a subject alone could be issued again by any
        # CA of the anchors); the TLS name checked on the link is the URL's host, 127.0.0.1,
        # which the hub certificates carry as an IP subjectAltName.
        if p["name"] not in ports:
            sys.exit("demo_helper: no port for peer %s" % p["name"])
        out.append('\n[[peers]]\nname = %s\nurl = "amqps://127.0.0.1:%s"\ncert_sha256 = "%s"\n'
                   'relay_for = %s' % (json.dumps(p["name"]), ports[p["name"]],
                                       cert_sha256(os.path.join(a.pki, "hubs", p["name"] + ".crt")),
                                       toml_list(p["relay_for"])))
    for r in hub["routes"]:
        out.append('\n[[routes]]\nsuffix = %s\nto = %s' % (json.dumps(r["suffix"]), json.dumps(r["to"])))
    out.append('\n[routing]\nauthoritative_for = %s' % toml_list(hub["authoritative_for"]))
    print("\n".join(out))


def cmd_topology_directory(a):
    t = load_topology(a.file)
    organs = [(o["id"], o.get("name", "")) for o in t["organs"]] + [tuple(o) for o in a.organ]
    doc = {"version": 1, "organs": [{"id": i, "pid": "", "name": n or i, "mail": ""}
                                    for i, n in sorted(organs)]}
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
    s.add_argument("--vxp-hub", nargs=2, action="append", default=[], metavar=("NAME", "URL"))
    s.add_argument("--vxp-organ", nargs=3, action="append", default=[],
                   metavar=("ID", "SYSTEM", "SECRET_FILE"))
    s.add_argument("--ops-hub", nargs=3, action="append", default=[],
                   metavar=("NAME", "METRICS_URL", "STATUS_URL"))
    s.set_defaults(fn=cmd_federation)

    s = sub.add_parser("topology")
    tsub = s.add_subparsers(dest="what", required=True)
    ts = tsub.add_parser("shell")
    ts.add_argument("file")
    ts.set_defaults(fn=cmd_topology_shell)
    ts = tsub.add_parser("toml")
    ts.add_argument("file")
    ts.add_argument("hub")
    ts.add_argument("pki")
    ts.add_argument("ports", nargs="*", metavar="NAME=PORT")
    ts.set_defaults(fn=cmd_topology_toml)
    ts = tsub.add_parser("directory")
    ts.add_argument("file")
    ts.add_argument("out")
    ts.add_argument("--organ", nargs=2, action="append", default=[], metavar=("ID", "NAME"))
    ts.set_defaults(fn=cmd_topology_directory)

    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
