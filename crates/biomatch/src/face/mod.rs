//! Face embeddings: templates, 1:1 comparison, 1:N gallery indexes.
