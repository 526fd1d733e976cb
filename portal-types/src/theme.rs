//! The colour theme a browser asked for: follow the system, or force light or dark.
//!
//! The choice is kept in a cookie so the server renders the right theme on the first byte (no
//! flash of the wrong colours) and the toggle works without JavaScript. The theme is written on
//! `<html data-theme="…">`; the stylesheet maps `system` to the `prefers-color-scheme` query.

use serde::{Deserialize, Serialize};

/// Name of the cookie that keeps the browser's theme choice.
pub const THEME_COOKIE: &str = "capstan_theme";

/// A theme choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the operating system's light or dark setting.
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    /// Every choice, in the order the toggle shows them.
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// The value used in the cookie, the form field and the `data-theme` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    /// Parses a theme value; `None` for anything that is not one of the three choices.
    pub fn parse(value: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.as_str() == value)
    }

    /// Reads the theme from a `Cookie` request header; `System` when absent or unreadable.
    pub fn from_cookie_header(header: &str) -> Theme {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == THEME_COOKIE)
            .and_then(|(_, value)| Theme::parse(value.trim()))
            .unwrap_or_default()
    }

    /// The `Set-Cookie` value that keeps this choice for a year.
    pub fn set_cookie_value(self) -> String {
        format!(
            "{THEME_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
            self.as_str()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_the_three_choices() {
        assert_eq!(Theme::parse("dark"), Some(Theme::Dark));
        assert_eq!(Theme::parse("light"), Some(Theme::Light));
        assert_eq!(Theme::parse("system"), Some(Theme::System));
        assert_eq!(Theme::parse("Dark"), None);
        assert_eq!(Theme::parse(""), None);
        assert_eq!(Theme::parse("dark; Path=/"), None);
    }

    #[test]
    fn reads_the_cookie_among_others() {
        assert_eq!(
            Theme::from_cookie_header("a=1; capstan_theme=dark; b=2"),
            Theme::Dark
        );
        assert_eq!(
            Theme::from_cookie_header("capstan_theme=light"),
            Theme::Light
        );
        assert_eq!(
            Theme::from_cookie_header("x_capstan_theme=dark"),
            Theme::System
        );
        assert_eq!(
            Theme::from_cookie_header("capstan_theme=purple"),
            Theme::System
        );
        assert_eq!(Theme::from_cookie_header(""), Theme::System);
    }

    #[test]
    fn cookie_round_trips() {
        for theme in Theme::ALL {
            let set = theme.set_cookie_value();
            let pair = set.split(';').next().unwrap();
            assert_eq!(Theme::from_cookie_header(pair), theme);
            assert!(set.contains("SameSite=Lax"));
        }
    }
}
