//! Building addresses: percent-encoding of query values (RFC 3986 unreserved characters kept),
//! and the one rule for where the portal may send a browser next.

/// `value` encoded for a query string or path segment.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Whether `path` is a path on this site and nothing else: it starts with exactly one `/`, and
/// holds only printable ASCII other than `\\` (browsers drop tabs and new lines and read `\\` as
/// `/`, so `/\t/evil.example` or `/\\evil.example` would take them to another site; anything
/// else a browser could read as a scheme or a host has no place in the portal's own paths).
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
}

/// `next` if it is a local path ([`is_local_path`]), otherwise `/`: where to go after signing in.
pub fn local_or_home(next: Option<&str>) -> String {
    match next {
        Some(path) if is_local_path(path) => path.to_owned(),
        _ => "/".to_owned(),
    }
}

/// A redirect target made safe: a local path stays; an absolute URL whose origin `is_ours`
/// (as browsers send a `Referer`) becomes its path; anything else becomes `/`.
pub fn local_location(location: &str, is_ours: impl Fn(&str) -> bool) -> String {
    if is_local_path(location) {
        return location.to_owned();
    }
    let Some((scheme, rest)) = location.split_once("://") else {
        return "/".to_owned();
    };
    let (authority, path) = rest.find('/').map_or((rest, "/"), |at| rest.split_at(at));
    if is_ours(&format!("{scheme}://{authority}")) && is_local_path(path) {
        path.to_owned()
    } else {
        "/".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_local() {
        for local in [
            "/",
            "/clusters",
            "/settings?tab=members",
            "/catalog/a%2Fb?q=x#y",
        ] {
            assert!(is_local_path(local), "{local}");
        }
        for hostile in [
            "",
            "clusters",
            "//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            " /evil",
            "/ /evil",
            "/\u{0}x",
            "/\u{7f}x",
            "https://evil.example",
            "https:evil.example",
            "javascript:alert(1)",
            "/\u{ff0f}evil.example",
            "/\u{2215}evil.example",
            "\u{ff0f}\u{ff0f}evil.example",
        ] {
            assert!(!is_local_path(hostile), "{hostile:?}");
            assert_eq!(local_or_home(Some(hostile)), "/", "{hostile:?}");
        }
        // Encoded slashes stay encoded: the browser asks this site for that path.
        assert_eq!(
            local_or_home(Some("/%2F%2Fevil.example")),
            "/%2F%2Fevil.example"
        );
        assert_eq!(local_or_home(None), "/");
    }

    #[test]
    fn redirects_to_our_own_pages_keep_their_path_and_the_rest_go_home() {
        let ours = |origin: &str| origin == "http://127.0.0.1:3000";
        assert_eq!(local_location("/clusters", ours), "/clusters");
        assert_eq!(
            local_location("http://127.0.0.1:3000/settings?tab=theme", ours),
            "/settings?tab=theme"
        );
        assert_eq!(local_location("http://127.0.0.1:3000", ours), "/");
        for hostile in [
            "https://evil.example/settings",
            "http://127.0.0.1:3000@evil.example/",
            "http://127.0.0.1:3000//evil.example",
            "//evil.example",
            "/\t/evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(local_location(hostile, ours), "/", "{hostile:?}");
        }
    }

    #[test]
    fn keeps_unreserved_characters_and_encodes_the_rest() {
        assert_eq!(encode("web prod/ä?&=~"), "web%20prod%2F%C3%A4%3F%26%3D~");
        assert_eq!(encode("a-b_c.d"), "a-b_c.d");
    }
}
