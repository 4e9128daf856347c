//! Placeholder until the formats issue lands.

#[derive(clap::Subcommand)]
pub enum TemplateCmd {
    /// Print what a template holds.
    Info {},
}

pub fn run(_cmd: TemplateCmd) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
