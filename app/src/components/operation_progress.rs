//! The one way the portal shows an operation under way: its state, how far it is, how long it
//! has run and about how long is left, and the operation log.

use leptos::prelude::*;

use crate::components::live::clock;
use crate::components::status_badge::StatusBadge;
use crate::live::{ChangeLine, Progress, duration_text};

/// "2 of 4 steps done · 42 s elapsed · about 1 min 10 s left" (the parts that are known).
pub fn summary(progress: &Progress, now_ms: Option<i64>) -> String {
    let mut parts = vec![format!(
        "{} of {} steps done",
        progress.done, progress.total
    )];
    if let Some(now) = now_ms {
        if let Some(started) = progress.started_ms {
            parts.push(format!("{} elapsed", duration_text(now - started)));
        }
        if let Some(ends) = progress.ends_ms {
            parts.push(if ends > now {
                format!("about {} left", duration_text(ends - now))
            } else {
                "should finish any moment".to_owned()
            });
        }
    }
    parts.join(" · ")
}

/// The operation under way (or nothing), and the operation log below it. `now_ms` is the
/// browser's ticking clock (`None` on the server: times are shown once live).
#[component]
pub fn OperationProgress(
    #[prop(into)] progress: Signal<Option<Progress>>,
    #[prop(into)] now_ms: Signal<Option<i64>>,
    #[prop(into)] log: Signal<Vec<ChangeLine>>,
) -> impl IntoView {
    let current = move || {
        progress.get().map(|p| {
            let summary = summary(&p, now_ms.get());
            view! {
                <div class="flex flex-wrap items-center gap-3">
                    <StatusBadge state=p.state.clone()/>
                    <span class="font-medium">{p.operation.clone()}</span>
                </div>
                <progress class="mt-2 w-full" max=p.total value=p.done aria-label="Progress of the operation"></progress>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{summary}</p>
            }
        })
    };
    let history = move || {
        let lines = log.get();
        (!lines.is_empty()).then(|| {
            view! {
                <h3 class="mt-3 text-sm font-semibold">"Operation log"</h3>
                <ol class="mt-1 max-h-48 overflow-y-auto text-sm">
                    {lines.into_iter().rev().map(|line| view! {
                        <li class="flex gap-3 py-0.5">
                            <span class="shrink-0 font-mono text-xs text-slate-500 dark:text-slate-400">{clock(line.at_ms)}</span>
                            <span>{line.text}</span>
                        </li>
                    }).collect_view()}
                </ol>
            }
        })
    };
    move || {
        (progress.with(Option::is_some) || log.with(|l| !l.is_empty())).then(|| {
            view! {
                <section aria-labelledby="operation-title" class="mb-6 rounded-lg border border-sky-200 bg-white p-4 dark:border-sky-900 dark:bg-slate-900">
                    <h2 id="operation-title" class="mb-2 text-base font-semibold">"Current operation"</h2>
                    {current}
                    {move || progress.with(Option::is_none).then(|| view! {
                        <p class="text-sm text-slate-600 dark:text-slate-400">"Nothing under way."</p>
                    })}
                    {history}
                </section>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(started: Option<i64>, ends: Option<i64>) -> Progress {
        Progress {
            operation: "cluster creating".into(),
            state: "creating".into(),
            done: 1,
            total: 4,
            started_ms: started,
            ends_ms: ends,
        }
    }

    #[test]
    fn summaries_say_what_is_known() {
        assert_eq!(
            summary(&progress(Some(0), Some(100_000)), None),
            "1 of 4 steps done",
            "no clock yet (server render)"
        );
        assert_eq!(
            summary(&progress(Some(0), Some(100_000)), Some(42_000)),
            "1 of 4 steps done · 42 s elapsed · about 58 s left"
        );
        assert_eq!(
            summary(&progress(Some(0), Some(100_000)), Some(130_000)),
            "1 of 4 steps done · 2 min 10 s elapsed · should finish any moment"
        );
        assert_eq!(summary(&progress(None, None), Some(1)), "1 of 4 steps done");
    }
}
