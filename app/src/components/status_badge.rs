//! One status vocabulary for clusters, nodepools and instances: a badge whose tone is the
//! colour of the state's standing (what the state means is decided in [`crate::state`]).

use leptos::prelude::*;

use crate::state::{Standing, standing};

/// How a state should read at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Working as asked.
    Good,
    /// On its way somewhere.
    Busy,
    /// Needs attention.
    Bad,
    /// Nothing to say (unknown or idle).
    Neutral,
}

/// The tone of a state word: its standing ([`crate::state::standing`]) as a colour.
pub fn tone(state: &str) -> Tone {
    match standing(state) {
        Standing::Settled => Tone::Good,
        Standing::Moving => Tone::Busy,
        Standing::Failed => Tone::Bad,
        Standing::Idle => Tone::Neutral,
    }
}

fn classes(tone: Tone) -> &'static str {
    match tone {
        Tone::Good => {
            "bg-emerald-50 text-emerald-800 ring-emerald-600/20 dark:bg-emerald-950 dark:text-emerald-300"
        }
        Tone::Busy => "bg-sky-50 text-sky-800 ring-sky-600/20 dark:bg-sky-950 dark:text-sky-300",
        Tone::Bad => "bg-red-50 text-red-800 ring-red-600/20 dark:bg-red-950 dark:text-red-300",
        Tone::Neutral => {
            "bg-slate-100 text-slate-700 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300"
        }
    }
}

/// A state as a coloured badge (the text carries the meaning; colour only helps).
#[component]
pub fn StatusBadge(#[prop(into)] state: String) -> impl IntoView {
    let tone = tone(&state);
    let busy = tone == Tone::Busy;
    view! {
        <span class=format!(
            "inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {}",
            classes(tone),
        )>
            {busy.then(|| view! { <span aria-hidden="true" class="h-1.5 w-1.5 animate-pulse rounded-full bg-current"></span> })}
            {state}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_have_tones() {
        let cases = [
            ("running", Tone::Good),
            ("creating", Tone::Busy),
            ("upgrading", Tone::Busy),
            ("rotating-ccm-credentials", Tone::Busy),
            ("scaling", Tone::Busy),
            ("starting", Tone::Busy),
            ("error", Tone::Bad),
            ("degraded", Tone::Bad),
            ("stopped", Tone::Neutral),
            ("success", Tone::Good),
            ("done", Tone::Good),
            ("started", Tone::Busy),
            ("failed", Tone::Bad),
            ("denied", Tone::Bad),
            ("skipped", Tone::Neutral),
            ("something-new", Tone::Neutral),
        ];
        for (state, expected) in cases {
            assert_eq!(tone(state), expected, "{state}");
        }
    }
}
