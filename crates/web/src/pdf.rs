//! Printable documents (register, minutes, later transcripts) as PDF made in-process with typst.

// A document is a typst template embedded in the binary plus its data as JSON. The template
// reads the data with `json("data.json")`, so whatever a user typed stays text and is never
// evaluated as typst markup. Nothing is fetched: there are no packages, and fonts come from
// the system (Noto CJK from Debian's `fonts-noto-cjk`) with typst's own fonts as fallback.

use std::sync::LazyLock;

use chrono::Datelike;
use serde::Serialize;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::layout::{Frame, FrameItem};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::FontStore;
use typst_layout::PagedDocument;

/// A document's typst source, embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    /// The file name diagnostics name, e.g. `register.typ`.
    pub name: &'static str,
    source: &'static str,
}

/// The round's register of concerns (问题登记表), A4 landscape.
pub const REGISTER: Template = Template {
    name: "register.typ",
    source: include_str!("../templates/pdf/register.typ"),
};

/// A meeting's minutes (现场办公会纪要), A4 portrait, with signature lines.
pub const MINUTES: Template = Template {
    name: "minutes.typ",
    source: include_str!("../templates/pdf/minutes.typ"),
};

/// The authorisation of a cross-handling team (交叉办案授权书), A4 portrait.
pub const AUTHORISATION: Template = Template {
    name: "authorisation.typ",
    source: include_str!("../templates/pdf/authorisation.typ"),
};

/// A remote interview's transcript (询问笔录), A4 portrait, pages numbered, signature lines.
pub const TRANSCRIPT: Template = Template {
    name: "transcript.typ",
    source: include_str!("../templates/pdf/transcript.typ"),
};

/// A township's rectification order (督改单), A4 portrait, pages numbered, both sign-offs.
pub const RECTIFICATION_ORDER: Template = Template {
    name: "rectification_order.typ",
    source: include_str!("../templates/pdf/rectification_order.typ"),
};

/// Where the template finds its data.
const DATA_PATH: &str = "/data.json";

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("encoding the document's data: {0}")]
    Data(#[from] serde_json::Error),
    #[error("typst {template}: {message}")]
    Typst { template: &'static str, message: String },
}

/// The standard library without inputs: documents take their data from `data.json`, so one
/// library serves every render.
static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::builder().build()));

/// Fonts are scanned once per process: the scan reads every font file's tables (a few
/// hundred milliseconds with Noto CJK), and the files themselves are read on first use.
static FONTS: LazyLock<FontStore> = LazyLock::new(|| {
    let mut fonts = FontStore::new();
    fonts.extend(typst_kit::fonts::system());
    fonts.extend(typst_kit::fonts::embedded());
    fonts
});

/// Scans the fonts ahead of the first download, e.g. from a background thread at start-up.
pub fn warm_up() {
    LazyLock::force(&FONTS);
    LazyLock::force(&LIBRARY);
}

/// One render: the template as the main file and the data as `/data.json`; nothing else exists.
struct DocumentWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
}

impl DocumentWorld {
    fn new(template: Template, data: &impl Serialize) -> Result<Self, PdfError> {
        let main_id = file_id(&format!("/{}", template.name))?;
        Ok(Self {
            main: Source::new(main_id, template.source.to_owned()),
            data_id: file_id(DATA_PATH)?,
            data: Bytes::new(serde_json::to_vec(data)?),
        })
    }
}

fn file_id(path: &str) -> Result<FileId, PdfError> {
    let vpath = VirtualPath::new(path).map_err(|e| PdfError::Typst {
        template: "",
        message: format!("{path}: {e:?}"),
    })?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl World for DocumentWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        FONTS.book()
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.font(index)
    }

    /// Today as the county reads it (Beijing time), or at the offset the template asks for.
    fn today(&self, offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        let now = chrono::Utc::now();
        let date = match offset {
            None => now.with_timezone(&qinglian_domain::inspection::CHINA).date_naive(),
            Some(d) => (now + chrono::Duration::seconds(d.seconds() as i64)).date_naive(),
        };
        Datetime::from_ymd(date.year(), date.month() as u8, date.day() as u8)
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.get().vpath().get_without_slash().into())
}

fn messages(template: Template, diagnostics: &[SourceDiagnostic]) -> PdfError {
    PdfError::Typst {
        template: template.name,
        message: diagnostics
            .iter()
            .map(|d| d.message.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Lays the document out into pages; what `render` turns into PDF, and what tests read text from.
pub fn layout(template: Template, data: &impl Serialize) -> Result<PagedDocument, PdfError> {
    let world = DocumentWorld::new(template, data)?;
    let result = typst::compile::<PagedDocument>(&world);
    for w in result.warnings.iter() {
        tracing::debug!(template = template.name, warning = %w.message, "typst warning");
    }
    // typst memoises across renders; entries unused for a while are dropped so a long-running
    // server does not keep every document it ever printed.
    typst::comemo::evict(10);
    match result.output {
        Ok(document) => Ok(document),
        Err(errors) => Err(messages(template, &errors)),
    }
}

/// Renders the template over the data to PDF bytes. CPU work: call it off the async runtime.
pub fn render(template: Template, data: &impl Serialize) -> Result<Vec<u8>, PdfError> {
    let document = layout(template, data)?;
    match typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()) {
        Ok(bytes) => Ok(bytes),
        Err(errors) => Err(messages(template, &errors)),
    }
}

/// The standard transcript of an interview (in Chinese, as the sealed export holds it), for
/// callers outside the web layer such as the demo's signed copy.
pub fn interview_transcript(detail: &qinglian_store::model::InterviewDetail) -> Result<Vec<u8>, PdfError> {
    let doc = crate::pages::cases::transcript_doc(crate::i18n::Tr::new(crate::i18n::Lang::Zh), detail);
    render(TRANSCRIPT, &doc)
}

/// The text of each page, in layout order, one string per run of text, for tests and checks.
pub fn page_texts(document: &PagedDocument) -> Vec<Vec<String>> {
    fn collect(frame: &Frame, out: &mut Vec<String>) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(group) => collect(&group.frame, out),
                FrameItem::Text(text) => out.push(text.text.to_string()),
                _ => {}
            }
        }
    }
    document
        .pages()
        .iter()
        .map(|page| {
            let mut out = Vec::new();
            collect(&page.frame, &mut out);
            out
        })
        .collect()
}
