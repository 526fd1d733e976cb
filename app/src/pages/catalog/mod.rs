//! The catalog of blueprints and add-ons: the searchable list (`/catalog`) and an entry's page
//! (`/catalog/{name}`) with its parameters, rendered manifests, install commands, README and
//! versions.
//!
//! Both pages keep their state in the address (search words, category, version, parameter
//! values, cluster), so a link shares a view and every form works as a plain GET without
//! JavaScript. Once hydrated, typing updates the address in place (`replace`, no scrolling)
//! after a short pause instead of waiting for a submit.

pub mod entry;
pub mod list;

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::NavigateOptions;

use crate::catalog::{EntrySummary, Requirements, addon_label, category_label};

pub(crate) const BADGE: &str = "inline-flex items-center rounded-full border border-slate-200 bg-slate-50 px-2 py-0.5 text-xs font-medium text-slate-700 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-200";
pub(crate) const NEED_BADGE: &str = "inline-flex items-center rounded-full border border-dashed border-slate-300 px-2 py-0.5 text-xs font-medium text-slate-700 dark:border-slate-600 dark:text-slate-200";
pub(crate) const ADDON_BADGE: &str = "inline-flex items-center rounded-full bg-sky-100 px-2 py-0.5 text-xs font-semibold text-sky-800 dark:bg-sky-950 dark:text-sky-200";
/// A card with less padding than a cluster page's sections.
pub(crate) const PANEL: &str =
    "rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";
pub(crate) const LINK: &str =
    "font-medium text-sky-700 underline underline-offset-2 hover:decoration-2 dark:text-sky-400";
pub(crate) use crate::components::style::HINT;

/// How long typing pauses before the address (and what depends on it) follows.
pub(crate) const TYPING_PAUSE: Duration = Duration::from_millis(250);

/// Navigation that rewrites the current history entry and keeps the scroll position: typing
/// in a field must not add a Back step per letter, nor jump to the top.
pub(crate) fn in_place() -> NavigateOptions {
    NavigateOptions {
        replace: true,
        scroll: false,
        ..NavigateOptions::default()
    }
}

/// A pending call that a newer one replaces: the debounce behind "update after a pause".
#[derive(Clone, Copy)]
pub(crate) struct Debounce {
    timer: StoredValue<Option<TimeoutHandle>>,
}

impl Debounce {
    /// A debounce whose pending call is dropped with the calling component.
    pub(crate) fn new() -> Self {
        let timer = StoredValue::new(None::<TimeoutHandle>);
        on_cleanup(move || {
            if let Some(Some(handle)) = timer.try_update_value(Option::take) {
                handle.clear();
            }
        });
        Self { timer }
    }

    /// Runs `f` after `delay`, unless called again before.
    pub(crate) fn call(self, delay: Duration, f: impl FnOnce() + 'static) {
        self.cancel();
        if let Ok(handle) = set_timeout_with_handle(f, delay) {
            self.timer.set_value(Some(handle));
        }
    }

    /// Drops the pending call, if any.
    pub(crate) fn cancel(self) {
        if let Some(handle) = self.timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    }
}

/// `count` and the noun, singular or plural: "1 object", "6 objects".
pub fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// The label of a CNI id.
fn cni_label(cni: &str) -> String {
    match cni {
        "calico" => "Calico".into(),
        "cilium" => "Cilium".into(),
        other => other.into(),
    }
}

/// What an entry needs from a cluster, as short badge texts: "Pro", "Calico or Cilium",
/// "GPU nodepool", then the add-ons by name.
pub fn requirement_badges(requires: &Requirements) -> Vec<String> {
    let mut badges = Vec::new();
    if requires.level.as_deref() == Some("pro") {
        badges.push("Pro".to_string());
    }
    if !requires.cni.is_empty() {
        let names: Vec<String> = requires.cni.iter().map(|c| cni_label(c)).collect();
        badges.push(names.join(" or "));
    }
    if requires.gpu {
        badges.push("GPU nodepool".to_string());
    }
    badges.extend(requires.addons.iter().map(|a| addon_label(a).to_string()));
    badges
}

/// Category, version, add-on and requirement badges of an entry.
#[component]
pub fn EntryBadges(entry: EntrySummary) -> impl IntoView {
    let needs = requirement_badges(&entry.requires);
    view! {
        <ul class="flex flex-wrap items-center gap-1.5" aria-label="About this entry">
            <li class=BADGE>{category_label(&entry.category).to_string()}</li>
            <li class=BADGE>{format!("v{}", entry.version)}</li>
            {entry.addon.is_some().then(|| view! { <li class=ADDON_BADGE>"SKS add-on"</li> })}
            {(!needs.is_empty()).then(|| view! {
                <li class="ml-1 text-xs text-slate-500 dark:text-slate-400">"Needs"</li>
            })}
            {needs.into_iter().map(|need| view! {
                <li class=NEED_BADGE>{need}</li>
            }).collect_view()}
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(plural(1, "object", "objects"), "1 object");
        assert_eq!(plural(0, "object", "objects"), "0 objects");
        assert_eq!(plural(6, "line", "lines"), "6 lines");
    }

    #[test]
    fn requirements_read_as_short_badges() {
        assert!(requirement_badges(&Requirements::default()).is_empty());
        let requires = Requirements {
            level: Some("pro".into()),
            cni: vec!["calico".into(), "cilium".into()],
            addons: vec!["exoscale-cloud-controller".into(), "karpenter".into()],
            gpu: true,
        };
        assert_eq!(
            requirement_badges(&requires),
            [
                "Pro",
                "Calico or Cilium",
                "GPU nodepool",
                "Exoscale cloud controller",
                "Karpenter"
            ]
        );
        let starter = Requirements {
            level: Some("starter".into()),
            ..Requirements::default()
        };
        assert!(requirement_badges(&starter).is_empty(), "starter fits all");
    }
}
