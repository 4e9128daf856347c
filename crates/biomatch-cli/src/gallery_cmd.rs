//! Placeholder until the gallery issue lands.

#[derive(clap::Subcommand)]
pub enum GalleryCmd {
    /// Build a gallery.
    Build {},
}

/// Arguments of `bench finger-identify`.
#[derive(clap::Args)]
pub struct BenchArgs {}

pub fn run(_cmd: GalleryCmd) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}

pub fn run_bench(_args: BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
