#!/usr/bin/env python3
"""Small helpers for scripts/demo.sh (standard library only).

    ports N                       print N free TCP ports on 127.0.0.1 (bound at once, then freed)
    document SAMPLE OUT ...       an edXML document made from a real sample (unsigned)
    status SAMPLE OUT ...         an edXML status package answering a document (unsigned)
    find DIR KIND ...             the file in DIR holding a given package or receipt
    receipt FILE PEM              print a receipt's fields (key=value) and write its signer
                                  certificate to PEM
    federation OUT --hub ... --organ ...   write demo/federation.json

Documents and statuses are edited as text (regular expressions on the sample) rather than
re-serialised, so the result keeps the sample's layout; the signature is added afterwards by
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


def strip_signatures(s):
    # The samples carry the official SDK's <Signature> (not XML-DSig) or an old edXML:Signature.
    s = re.sub(r"\s*<edXML:Signature>.*?</edXML:Signature>", "", s, flags=re.S)
    s = re.sub(r"\s*<Signature(\s[^>]*)?>.*?</Signature>", "", s, flags=re.S)
    return s


def set_party(s, tag, organ, name):
    """Replaces OrganId and OrganName inside the first <edXML:TAG> element."""
    m = re.search(r"<edXML:%s>.*?</edXML:%s>" % (tag, tag), s, flags=re.S)
    if not m:
        sys.exit("demo_helper: no <edXML:%s> in the sample" % tag)
    block = m.group(0)
    block = re.sub(r"<edXML:OrganId>[^<]*<", "<edXML:OrganId>%s<" % organ, block, count=1)
    block = re.sub(r"<edXML:OrganName>[^<]*<", "<edXML:OrganName>%s<" % esc(name), block, count=1)
    block = re.sub(r"<edXML:OrganizationInCharge>[^<]*<",
                   "<edXML:OrganizationInCharge>%s<" % esc(name), block, count=1)
    return s[:m.start()] + block + s[m.end():]


def set_text(s, tag, value, count=1):
    new, n = re.subn(r"<edXML:%s>[^<]*</edXML:%s>" % (tag, tag),
                     "<edXML:%s>%s</edXML:%s>" % (tag, esc(value), tag), s, count=count)
    if n == 0:
        sys.exit("demo_helper: no <edXML:%s> in the sample" % tag)
    return new


def esc(v):
    return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def organ_arg(text):
    organ, _, name = text.partition("=")
    return organ, name or organ


def cmd_document(a):
    s = strip_signatures(open(a.sample, encoding="utf-8").read())
    sender, sender_name = organ_arg(a.sender)
    s = set_party(s, "From", sender, sender_name)
    # One <To> per recipient, made from the sample's first <To>; the sample's own are removed.
    tos = list(re.finditer(r"<edXML:To>.*?</edXML:To>", s, flags=re.S))
    indent = re.search(r"[ \t]*$", s[:tos[0].start()]).group(0)
    blocks = ("\n" + indent).join(set_party(tos[0].group(0), "To", *organ_arg(r)) for r in a.to)
    s = s[:tos[0].start()] + blocks + s[tos[-1].end():]
    s = set_text(s, "DocumentId", a.id)  # the MessageHeader's (the first one)
    s = set_text(s, "CodeNumber", a.number)
    s = set_text(s, "CodeNotation", a.notation)
    s = set_text(s, "PromulgationDate", a.date)
    s = set_text(s, "Subject", a.subject)
    s = set_text(s, "Content", a.subject)
    # The trace header names the sender, as a real document system writes it.
    s = re.sub(r"(<edXML:TraceHeader>\s*<edXML:OrganId>)[^<]*(<)", r"\g<1>%s\2" % sender, s,
               count=1)
    s = re.sub(r"(<edXML:TraceHeader>.*?<edXML:Timestamp>)[^<]*(<)",
               r"\g<1>%s\2" % a.timestamp, s, count=1, flags=re.S)
    open(a.out, "w", encoding="utf-8").write(s)


def cmd_status(a):
    s = strip_signatures(open(a.sample, encoding="utf-8").read())
    sender, sender_name = organ_arg(a.sender)
    s = set_party(s, "From", sender, sender_name)
    m = re.search(r"<edXML:ResponseFor>.*?</edXML:ResponseFor>", s, flags=re.S)
    block = m.group(0)
    for tag, value in (("OrganId", a.for_organ), ("Code", a.for_code),
                       ("PromulgationDate", a.for_date), ("DocumentId", a.for_doc)):
        block = re.sub(r"<edXML:%s>[^<]*<" % tag, "<edXML:%s>%s<" % (tag, esc(value)), block,
                       count=1)
    s = s[:m.start()] + block + s[m.end():]
    s = set_text(s, "StatusCode", a.code)
    s = set_text(s, "Description", a.description)
    s = set_text(s, "Timestamp", a.timestamp)
    open(a.out, "w", encoding="utf-8").write(s)


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

    s = sub.add_parser("document")
    s.add_argument("sample")
    s.add_argument("out")
    s.add_argument("--from", dest="sender", required=True, help="ORGAN[=NAME]")
    s.add_argument("--to", action="append", required=True, help="ORGAN[=NAME], repeatable")
    s.add_argument("--id", required=True)
    s.add_argument("--number", required=True)
    s.add_argument("--notation", required=True)
    s.add_argument("--date", required=True, help="yyyy/MM/dd")
    s.add_argument("--timestamp", required=True, help="yyyy/MM/dd HH:mm:ss")
    s.add_argument("--subject", required=True)
    s.set_defaults(fn=cmd_document)

    s = sub.add_parser("status")
    s.add_argument("sample")
    s.add_argument("out")
    s.add_argument("--from", dest="sender", required=True, help="ORGAN[=NAME]")
    s.add_argument("--for-organ", required=True)
    s.add_argument("--for-doc", required=True)
    s.add_argument("--for-code", required=True)
    s.add_argument("--for-date", required=True)
    s.add_argument("--code", required=True)
    s.add_argument("--description", required=True)
    s.add_argument("--timestamp", required=True)
    s.set_defaults(fn=cmd_status)

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
