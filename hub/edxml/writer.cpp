#include "edxml/writer.hpp"

#include "edxml/xml_out.hpp"

namespace docaxis::edxml {
namespace {

using detail::XmlOut;

constexpr bool kKeepEmpty = true;  // entries of repeated elements and required containers

void write_organ(XmlOut& x, std::string_view qname, const OrganInfo& o) {
  x.element(
      qname,
      [&] {
        x.leaf("edXML:OrganId", o.organ_id);
        x.leaf("edXML:OrganizationInCharge", o.organization_in_charge);
        x.leaf("edXML:OrganName", o.organ_name);
        x.leaf("edXML:OrganAdd", o.organ_add);
        x.leaf("edXML:Email", o.email);
        x.leaf("edXML:Telephone", o.telephone);
        x.leaf("edXML:Fax", o.fax);
        x.leaf("edXML:Website", o.website);
      },
      kKeepEmpty);
}

void write_response_for(XmlOut& x, const ResponseFor& r) {
  x.element(
      "edXML:ResponseFor",
      [&] {
        x.leaf("edXML:OrganId", r.organ_id);
        x.leaf("edXML:Code", r.code);
        x.leaf("edXML:PromulgationDate", r.promulgation_date);
        x.leaf("edXML:DocumentId", r.document_id);
      },
      kKeepEmpty);
}

void write_staff(XmlOut& x, const StaffInfo& s, bool keep_empty) {
  x.element(
      "edXML:StaffInfo",
      [&] {
        x.leaf("edXML:Department", s.department);
        x.leaf("edXML:Staff", s.staff);
        x.leaf("edXML:Email", s.email);
        x.leaf("edXML:Mobile", s.mobile);
      },
      keep_empty);
}

void write_other_info(XmlOut& x, const OtherInfo& o) {
  x.element("edXML:OtherInfo", [&] {
    x.leaf("edXML:Priority", o.priority);
    x.leaf("edXML:SphereOfPromulgation", o.sphere_of_promulgation);
    x.leaf("edXML:TyperNotation", o.typer_notation);
    x.leaf("edXML:PromulgationAmount", o.promulgation_amount);
    x.leaf("edXML:PageAmount", o.page_amount);
    x.leaf("edXML:Direction", o.direction);
    x.element("edXML:Appendixes", [&] {
      for (const std::string& a : o.appendixes) x.entry("edXML:Appendix", a);
    });
  });
}

void write_document_header(XmlOut& x, const MessageHeader& h) {
  write_organ(x, "edXML:From", h.from);
  for (const OrganInfo& to : h.to) write_organ(x, "edXML:To", to);
  x.leaf("edXML:DocumentId", h.document_id);
  x.element("edXML:Code", [&] {
    x.leaf("edXML:CodeNumber", h.code.code_number);
    x.leaf("edXML:CodeNotation", h.code.code_notation);
  });
  x.element("edXML:PromulgationInfo", [&] {
    x.leaf("edXML:Place", h.promulgation_info.place);
    x.leaf("edXML:PromulgationDate", h.promulgation_info.promulgation_date);
  });
  x.element("edXML:DocumentType", [&] {
    x.leaf("edXML:Type", h.document_type.type);
    x.leaf("edXML:TypeDetail", h.document_type.type_detail);
    x.leaf("edXML:TypeName", h.document_type.type_name);
  });
  x.leaf("edXML:Subject", h.subject);
  x.leaf("edXML:Content", h.content);
  x.element("edXML:SignerInfo", [&] {
    x.leaf("edXML:Competence", h.signer_info.competence);
    x.leaf("edXML:Position", h.signer_info.position);
    x.leaf("edXML:FullName", h.signer_info.full_name);
  });
  x.leaf("edXML:DueDate", h.due_date);
  write_other_info(x, h.other_info);
  for (const ResponseFor& r : h.response_for) write_response_for(x, r);
  x.leaf("edXML:SteeringType", h.steering_type);
  x.element("edXML:ToPlaces", [&] {
    for (const std::string& p : h.to_places) x.entry("edXML:Place", p);
  });
}

void write_status_header(XmlOut& x, const MessageHeader& h) {
  write_organ(x, "edXML:From", h.from);
  for (const ResponseFor& r : h.response_for) write_response_for(x, r);
  write_staff(x, h.staff_info, false);
  x.leaf("edXML:StatusCode", h.status_code);
  x.leaf("edXML:Description", h.description);
  x.leaf("edXML:Timestamp", h.timestamp);
}

void write_bussiness(XmlOut& x, const Bussiness& b) {
  x.element("edXML:Bussiness", [&] {
    x.leaf("edXML:DocumentId", b.document_id);
    x.leaf("edXML:BussinessDocType", b.doc_type);
    x.leaf("edXML:BussinessDocReason", b.reason);
    x.leaf("edXML:Paper", b.paper);
    const BussinessDocumentInfo& d = b.document_info;
    x.element("edXML:BussinessDocumentInfo", [&] {
      x.leaf("edXML:DocumentInfo", d.document_info);
      x.leaf("edXML:DocumentReceiver", d.document_receiver);
      x.element("edXML:ReceiverList", [&] {
        for (const Receiver& r : d.receivers) {
          x.element(
              "edXML:Receiver",
              [&] {
                x.leaf("edXML:OrganId", r.organ_id);
                x.leaf("edXML:ReceiverType", r.receiver_type);
              },
              kKeepEmpty);
        }
      });
    });
    x.element("edXML:ReplacementInfoList", [&] {
      for (const ReplacementInfo& ri : b.replacements) {
        x.element(
            "edXML:ReplacementInfo",
            [&] {
              x.leaf("edXML:DocumentId", ri.document_id);
              x.element("edXML:OrganIdList", [&] {
                for (const std::string& id : ri.organ_ids) x.entry("edXML:OrganId", id);
              });
            },
            kKeepEmpty);
      }
    });
    for (const StaffInfo& s : b.staff) write_staff(x, s, kKeepEmpty);
  });
}

void write_trace(XmlOut& x, const TraceHeaderList& t) {
  x.element("edXML:TraceHeaderList", [&] {
    for (const TraceHeader& th : t.trace_headers) {
      x.element(
          "edXML:TraceHeader",
          [&] {
            x.leaf("edXML:OrganId", th.organ_id);
            x.leaf("edXML:Timestamp", th.timestamp);
          },
          kKeepEmpty);
    }
    write_bussiness(x, t.bussiness);
  });
}

void write_body(XmlOut& x, const Manifest& m) {
  const std::string version = text::escape_xml(text::trim(m.version), /*attribute=*/true);
  const std::string attrs = version.empty() ? std::string() : " version=\"" + version + "\"";
  x.element("edXML:edXMLBody", [&] {
    x.element(
        "edXML:edXMLManifest",
        [&] {
          for (const ManifestReference& r : m.references) {
            x.element(
                "edXML:Reference",
                [&] {
                  x.leaf("edXML:ContentId", r.content_id);
                  x.leaf("edXML:ContentType", r.content_type);
                  x.leaf("edXML:Description", r.description);
                  x.leaf("edXML:AttachmentName", r.attachment_name);
                },
                kKeepEmpty);
          }
        },
        false, attrs);
  });
}

void write_attachments(XmlOut& x, const std::vector<Attachment>& attachments) {
  // The SDK prefixes ContentTransferEncoded and declares the prefix on it; we do the same.
  const std::string cte_ns = " xmlns:edXML=\"" + std::string(kEdxmlNamespace) + "\"";
  x.element("AttachmentEncoded", [&] {
    for (const Attachment& a : attachments) {
      x.element(
          "Attachment",
          [&] {
            x.leaf("ContentId", a.content_id);
            x.leaf("AttachmentName", a.attachment_name);
            x.leaf("Description", a.description);
            x.leaf("ContentType", a.content_type);
            x.leaf("edXML:ContentTransferEncoded", a.content_transfer_encoded, cte_ns);
          },
          kKeepEmpty);
    }
  });
}

}  // namespace

std::string write_package(const Package& p) {
  XmlOut x;
  const std::string ns(kEdxmlNamespace);
  const bool is_doc = p.kind == PackageKind::document;
  x.open("edXML", " xmlns=\"" + ns + "\"");
  x.open("edXML:edXMLEnvelope", " xmlns:edXML=\"" + ns + "\"");
  x.open("edXML:edXMLHeader");
  x.element(
      "edXML:MessageHeader",
      [&] {
        if (is_doc) {
          write_document_header(x, p.header);
        } else {
          write_status_header(x, p.header);
        }
      },
      kKeepEmpty);
  write_trace(x, p.trace);
  x.close("edXML:edXMLHeader");
  if (is_doc) write_body(x, p.manifest);
  x.close("edXML:edXMLEnvelope");
  if (is_doc) write_attachments(x, p.attachments);
  x.close("edXML");
  return x.take();
}

}  // namespace docaxis::edxml
