//! Validating a secret source: `[sites.X.secret]` and a purge `token`.
//! The value itself is never quoted in a message.

use super::*;

impl Validator<'_> {
    pub(super) fn secret(
        &mut self,
        raw: Option<Spanned<raw::RawSecret>>,
        site_at: usize,
        site: &str,
    ) -> Option<SecretSource> {
        let Some(raw) = raw else {
            self.error(
                site_at,
                format!("site {site} has no secret"),
                format!(
                    "add [sites.{site}.secret] with env = \"{}_REVALIDATE_SECRET\" (or file = …, command = […])",
                    site.to_uppercase().replace(['-', '.'], "_")
                ),
            );
            return None;
        };
        self.secret_source(raw)
    }

    /// One secret source table (`[sites.X.secret]`, a purge `token`):
    /// exactly one of env, file, command or value.
    pub(super) fn secret_source(&mut self, raw: Spanned<raw::RawSecret>) -> Option<SecretSource> {
        let at = raw.span().start;
        let raw = raw.into_inner();
        let mut sources = Vec::new();
        if let Some(env) = raw.env {
            if !self.env_name(env.get_ref(), env.span().start) {
                return None;
            }
            sources.push(SecretSource::Env(env.into_inner()));
        }
        if let Some(file) = raw.file {
            sources.push(SecretSource::File(expand_home(&file)));
        }
        if let Some(command) = raw.command {
            sources.push(SecretSource::Command(command));
        }
        if let Some(value) = raw.value {
            sources.push(SecretSource::Plain(value.into()));
        }
        if sources.len() != 1 {
            self.error(
                at,
                "a secret needs exactly one source",
                "write one of env = \"VAR\", file = \"path\", command = [\"prog\", \"arg\"] or value = \"…\"",
            );
            return None;
        }
        let source = sources.pop()?;
        self.lint_secret(&source, at);
        Some(source)
    }

    /// `env` names a variable: `BLOG_SECRET`, not `$BLOG_SECRET` or "".
    fn env_name(&mut self, name: &str, at: usize) -> bool {
        let bare = name.trim_start_matches('$').trim_matches(['{', '}']);
        let valid = !bare.is_empty()
            && !bare.starts_with(|c: char| c.is_ascii_digit())
            && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid && bare == name {
            return true;
        }
        let fix = if valid {
            format!("write the variable's name without $: env = \"{bare}\"")
        } else {
            "write the name of an environment variable, e.g. env = \"BLOG_REVALIDATE_SECRET\""
                .to_string()
        };
        self.error(
            at,
            "env must name an environment variable (letters, digits and _)",
            fix,
        );
        false
    }

    fn lint_secret(&mut self, source: &SecretSource, at: usize) {
        if let SecretSource::File(_) = source
            && let Err(why) = source.resolve()
        {
            self.warn(
                at,
                why.to_string(),
                "point file = at a readable file holding the secret (revalidations will fail until then)",
            );
            return;
        }
        if !matches!(source, SecretSource::Command(_))
            && let Ok(secret) = source.resolve()
            && secret.expose().chars().count() < SHORT_SECRET
        {
            self.warn(
                at,
                format!("the secret is shorter than {SHORT_SECRET} characters: guessable, and masking it hides ordinary text too"),
                "use a long random secret, e.g. `openssl rand -hex 24`, in the app and here",
            );
        }
        match source {
            SecretSource::Plain(_) => self.warn(
                at,
                "the secret is written in the config file in plain text",
                "move it to an environment variable (env = \"VAR\"), a file or a password-manager command",
            ),
            SecretSource::File(_) => {}
            SecretSource::Env(name) if std::env::var_os(name).is_none() => self.warn(
                at,
                format!("environment variable {name} is not set"),
                format!("export {name}=… before revalidating"),
            ),
            SecretSource::Command(argv) if argv.is_empty() => self.error(
                at,
                "the secret command is empty",
                "write command = [\"pass\", \"show\", \"site/revalidate\"]",
            ),
            _ => {}
        }
    }
}
