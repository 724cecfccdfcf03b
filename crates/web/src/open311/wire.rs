//! Open311's two wire formats: one record shape written as a JSON array or as the spec's
//! `<root><item>…</item></root>` XML, so both formats always carry the same fields.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// The format a client asked for by the resource's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// Splits `abc.json` into `("abc", Json)`; anything but `.json` or `.xml` is `None`.
    pub fn split(file: &str) -> Option<(&str, Format)> {
        let (stem, ext) = file.rsplit_once('.')?;
        let format = match ext {
            "json" => Format::Json,
            "xml" => Format::Xml,
            _ => return None,
        };
        (!stem.is_empty()).then_some((stem, format))
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        }
    }
}

/// One field's value. `Null` is written as JSON `null` and as an empty XML element, so a
/// field withheld on purpose is still visibly there.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Bool(bool),
    Int(i64),
    Null,
    /// A nested list: the XML element holds one `<item>` per record.
    List {
        item: &'static str,
        records: Vec<Record>,
    },
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Fields in the order the spec lists them.
pub type Record = Vec<(&'static str, Value)>;

fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Text(s) => serde_json::Value::String(s.clone()),
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Null => serde_json::Value::Null,
        Value::List { records, .. } => serde_json::Value::Array(records.iter().map(json_record).collect()),
    }
}

fn json_record(r: &Record) -> serde_json::Value {
    serde_json::Value::Object(r.iter().map(|(k, v)| ((*k).to_owned(), json_value(v))).collect())
}

fn xml_record<W: std::io::Write>(w: &mut Writer<W>, tag: &str, r: &Record) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(tag)))?;
    for (name, value) in r {
        match value {
            Value::Null => {
                w.write_event(Event::Empty(BytesStart::new(*name)))?;
            }
            Value::List { item, records } => {
                w.write_event(Event::Start(BytesStart::new(*name)))?;
                for rec in records {
                    xml_record(w, item, rec)?;
                }
                w.write_event(Event::End(BytesEnd::new(*name)))?;
            }
            scalar => {
                let text = match scalar {
                    Value::Text(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::Int(i) => i.to_string(),
                    Value::Null | Value::List { .. } => String::new(),
                };
                // BytesText::new escapes `<`, `>`, `&` and quotes: values are never markup.
                w.create_element(*name).write_text_content(BytesText::new(&text))?;
            }
        }
    }
    w.write_event(Event::End(BytesEnd::new(tag)))
}

/// The body of a list answer: a JSON array, or `<root><item>…</item>…</root>`.
pub fn render_list(format: Format, root: &str, item: &str, records: &[Record]) -> std::io::Result<Vec<u8>> {
    match format {
        Format::Json => serde_json::to_vec(&serde_json::Value::Array(records.iter().map(json_record).collect()))
            .map_err(std::io::Error::other),
        Format::Xml => {
            let mut w = xml_start()?;
            w.write_event(Event::Start(BytesStart::new(root)))?;
            for r in records {
                xml_record(&mut w, item, r)?;
            }
            w.write_event(Event::End(BytesEnd::new(root)))?;
            Ok(w.into_inner())
        }
    }
}

/// The body of a single-object answer (the service definition): a JSON object or `<root>…</root>`.
pub fn render_one(format: Format, root: &str, record: &Record) -> std::io::Result<Vec<u8>> {
    match format {
        Format::Json => serde_json::to_vec(&json_record(record)).map_err(std::io::Error::other),
        Format::Xml => {
            let mut w = xml_start()?;
            xml_record(&mut w, root, record)?;
            Ok(w.into_inner())
        }
    }
}

fn xml_start() -> std::io::Result<Writer<Vec<u8>>> {
    let mut w = Writer::new(Vec::new());
    // The spec requires the declaration with the encoding before the root element.
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    Ok(w)
}

/// A rendered body with its status and content type; a body that cannot be written (it
/// cannot, into memory, but the writer's API is fallible) is a plain 500.
pub fn respond(format: Format, status: StatusCode, body: std::io::Result<Vec<u8>>) -> Response {
    match body {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, format.content_type())], bytes).into_response(),
        Err(e) => {
            let op = crate::observe::operation_id();
            tracing::error!(operation_id = %op, error = %e, "writing an Open311 answer failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("internal error, operation id {op}"),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formats_come_from_the_last_extension_only() {
        assert_eq!(Format::split("road.json"), Some(("road", Format::Json)));
        assert_eq!(Format::split("a.b.xml"), Some(("a.b", Format::Xml)));
        assert_eq!(Format::split("road.html"), None);
        assert_eq!(Format::split("road"), None);
        assert_eq!(Format::split(".json"), None);
        assert_eq!(Format::split("road.JSON"), None);
    }

    #[test]
    fn markup_in_values_is_escaped_in_xml() {
        let rec: Record = vec![
            ("service_name", Value::from("<b>路</b> & \"桥\" 'x'")),
            ("metadata", Value::Bool(true)),
            ("account_id", Value::Null),
        ];
        let xml = String::from_utf8(render_list(Format::Xml, "services", "service", &[rec]).unwrap()).unwrap();
        assert!(
            xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><services><service>"#),
            "{xml}"
        );
        let inner = xml
            .split("<service_name>")
            .nth(1)
            .and_then(|s| s.split("</service_name>").next())
            .unwrap();
        assert!(inner.starts_with("&lt;b&gt;路&lt;/b&gt; &amp; "), "{xml}");
        assert!(!inner.contains('<') && !inner.contains('>'), "{xml}");
        assert_eq!(quick_xml::escape::unescape(inner).unwrap(), "<b>路</b> & \"桥\" 'x'");
        assert!(xml.contains("<metadata>true</metadata><account_id/>"), "{xml}");
        assert!(xml.ends_with("</service></services>"), "{xml}");
    }

    #[test]
    fn json_and_xml_carry_the_same_nested_fields() {
        let rec: Record = vec![
            ("service_code", Value::from("road")),
            (
                "attributes",
                Value::List {
                    item: "attribute",
                    records: vec![vec![("code", Value::from("meeting_id")), ("order", Value::Int(1))]],
                },
            ),
        ];
        let json: serde_json::Value =
            serde_json::from_slice(&render_one(Format::Json, "service_definition", &rec).unwrap()).unwrap();
        assert_eq!(json["attributes"][0]["code"], "meeting_id");
        assert_eq!(json["attributes"][0]["order"], 1);
        let xml = String::from_utf8(render_one(Format::Xml, "service_definition", &rec).unwrap()).unwrap();
        assert!(
            xml.contains("<attributes><attribute><code>meeting_id</code><order>1</order></attribute></attributes>"),
            "{xml}"
        );
    }
}
