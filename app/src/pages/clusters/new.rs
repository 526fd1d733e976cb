//! `/clusters/new`: the create-cluster wizard.
//!
//! Server-rendered, it is one long form with every section and a submit button, posting to
//! the `create_cluster` server function: it works without JavaScript. Once hydrated, the same
//! sections become steps (Basics → Networking → Add-ons → Nodepools → Review) with Back and
//! Next; Next checks the step's fields with the same [`plan`] the server runs. What was typed
//! lives in one signal owned by the page, so going back and forth keeps it.
//!
//! Without JavaScript, a refused form comes back in the address (`form[…]` as posted, plus the
//! error), and "Add a nodepool" / "Remove" re-open the page with the form in the address.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;
use leptos_meta::Title;
use leptos_router::hooks::use_location;
use serde::Deserialize;

use crate::components::page::{Loaded, PageHeader};
use crate::components::style::{
    CARD as SECTION, HINT, INPUT, LARGE_BUTTON as PRIMARY, LARGE_QUIET_BUTTON as SECONDARY,
};
use crate::error::{AppError, FieldError};
use crate::pricing::{PRICES_AS_OF, PoolCost, estimate, format_eur};
use crate::server_fns::create_cluster::{CreateCluster, wizard_options};
use crate::wizard::form::errors_of_step;
use crate::wizard::render::{api_calls, exo_commands, terraform};
use crate::wizard::{ClusterForm, NodepoolForm, Step, WizardChoices, field_label, plan};

const ERROR: &str = "mt-1 text-sm text-red-600 dark:text-red-400";

/// What the address of the page may carry: a form sent back (after a refusal, or to add or
/// remove a nodepool without JavaScript).
#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    form: Option<ClusterForm>,
    add_nodepool: Option<String>,
    remove_nodepool: Option<usize>,
}

/// The form the address carries, with the nodepool change it asks for; `None` for a new form.
pub(super) fn form_from_query(query: &str) -> Option<ClusterForm> {
    if query.is_empty() {
        return None;
    }
    let parsed: PageQuery = serde_qs::Config::new(5, false)
        .deserialize_str(query)
        .ok()?;
    let mut form = parsed.form?;
    if let Some(index) = parsed.remove_nodepool
        && index < form.nodepools.len()
    {
        form.nodepools.remove(index);
    }
    if parsed.add_nodepool.is_some() {
        form.nodepools.push(NodepoolForm::default());
    }
    Some(form)
}

/// The HTML name of a form field: `nodepools[1].size` → `form[nodepools][1][size]`.
pub(super) fn html_name(field: &str) -> String {
    let mut name = String::from("form");
    for part in field.split(['.', '[']) {
        let part = part.trim_end_matches(']');
        if !part.is_empty() {
            name.push_str(&format!("[{part}]"));
        }
    }
    name
}

/// The element id of a form field: `nodepools[1].size` → `field-nodepools-1-size`.
pub(super) fn field_id(field: &str) -> String {
    let mut id = String::from("field");
    for part in field.split(['.', '[', ']']).filter(|p| !p.is_empty()) {
        id.push('-');
        id.push_str(part);
    }
    id
}

/// Shared state of the page's parts (also of the add-a-nodepool page, which is the wizard's
/// nodepool step on its own).
#[derive(Clone, Copy)]
pub struct Wizard {
    pub(super) form: RwSignal<ClusterForm>,
    /// The errors the wizard shows: its own checks (Next, submit) or the server's refusal.
    pub(super) local: RwSignal<Option<Vec<FieldError>>>,
    /// The server function's refusal, if it refused (from the address, without JavaScript).
    pub(super) refusal: Signal<Option<AppError>>,
    pub(super) step: RwSignal<usize>,
    /// Whether the page runs as the step-by-step wizard (JavaScript has taken over).
    pub(super) stepped: RwSignal<bool>,
    pub(super) summary: NodeRef<leptos::html::Div>,
}

impl Wizard {
    /// The field errors to show. In the wizard these are the ones last shown (its own checks,
    /// or the server's refusal, moved there when it arrives); in the plain form, the refusal
    /// the address carries.
    fn errors(&self) -> Vec<FieldError> {
        if self.stepped.get() {
            return self.local.get().unwrap_or_default();
        }
        match self.refusal.get() {
            Some(AppError::Validation { fields }) => fields,
            _ => vec![],
        }
    }

    /// The error of `field`, if any.
    fn error(&self, field: &str) -> Option<String> {
        self.errors()
            .into_iter()
            .find(|e| e.field == field)
            .map(|e| e.message)
    }

    /// Whether a section is hidden (only in the stepped wizard, for the other steps).
    fn hidden(&self, step: Step) -> bool {
        self.stepped.get() && Step::ALL[self.step.get()] != step
    }

    /// Shows `errors` and moves the focus to their summary.
    pub(super) fn show(&self, errors: Vec<FieldError>) {
        if let Some(first) = errors.first() {
            let step = Step::of_field(&first.field);
            if let Some(index) = Step::ALL.iter().position(|s| *s == step) {
                self.step.set(index);
            }
        }
        self.local.set(Some(errors));
        let summary = self.summary;
        request_animation_frame(move || {
            if let Some(element) = summary.get() {
                let _ = element.focus();
            }
        });
    }
}

/// The create-cluster page.
#[component]
pub fn ClusterNewPage() -> impl IntoView {
    let location = use_location();
    let initial = form_from_query(&location.search.get_untracked());
    let zone_asked = RwSignal::new(initial.as_ref().map(|f| f.zone.clone()).unwrap_or_default());
    let action = ServerAction::<CreateCluster>::new();
    let wizard = Wizard {
        form: RwSignal::new(initial.unwrap_or_default()),
        local: RwSignal::new(None),
        refusal: Signal::derive(move || action.value().get().and_then(Result::err)),
        step: RwSignal::new(0),
        stepped: RwSignal::new(false),
        summary: NodeRef::new(),
    };
    // Effects run only in the browser, once hydrated: from then on the form is a wizard.
    Effect::new(move |_| wizard.stepped.set(true));
    // A refusal from the server opens the step of its first field, with the summary focused.
    Effect::new(move |_| {
        if let Some(Err(AppError::Validation { fields })) = action.value().get() {
            wizard.show(fields);
        }
    });
    let choices = Resource::new(move || zone_asked.get(), |zone| wizard_options(Some(zone)));
    view! {
        <Title text="Create a cluster · Capstan"/>
        <PageHeader
            title="Create a cluster"
            description="A Kubernetes cluster and its nodepools, in one of your organization's zones."
        />
        <Loaded loading="Loading what you can choose from…">
            {move || Suspend::new(async move {
                choices.await.map(|choices| {
                    wizard.form.update_untracked(|f| f.fill_defaults(&choices));
                    view! { <WizardForm wizard action choices zone_asked/> }
                })
            })}
        </Loaded>
    }
}

/// The form: step list, summary, sections, buttons.
#[component]
fn WizardForm(
    wizard: Wizard,
    action: ServerAction<CreateCluster>,
    choices: WizardChoices,
    zone_asked: RwSignal<String>,
) -> impl IntoView {
    let choices = StoredValue::new(choices);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let current = Step::ALL[wizard.step.get_untracked()];
        let result = choices.with_value(|c| plan(&wizard.form.get_untracked(), c));
        if current != Step::Review {
            // Enter in a field moves on, as Next does.
            next(wizard, choices);
            return;
        }
        match result {
            Err(errors) => wizard.show(errors),
            Ok(_) => {
                wizard.local.set(None);
                action.dispatch(CreateCluster {
                    form: wizard.form.get_untracked(),
                });
            }
        }
    };
    let pending = action.pending();
    let last = Step::ALL.len() - 1;
    view! {
        <StepList wizard/>
        <form
            method="post"
            action=CreateCluster::PATH
            novalidate=true
            class="space-y-6"
            on:submit=on_submit
        >
            <input type="hidden" name="form[token]" prop:value=move || wizard.form.with(|f| f.token.clone()) value=wizard.form.with_untracked(|f| f.token.clone())/>
            // The default button (Enter in a field): without it, Enter would press "Add a
            // nodepool", the first submit button of the form.
            <button type="submit" class="sr-only" tabindex="-1" aria-hidden="true">"Create cluster"</button>
            <Summary wizard/>
            <Basics wizard choices zone_asked/>
            <Networking wizard/>
            <Addons wizard/>
            <Nodepools wizard choices/>
            <Show when=move || wizard.stepped.get()>
                <Review wizard choices/>
            </Show>
            <div class="flex flex-wrap items-center gap-3">
                <button
                    type="button"
                    class=SECONDARY
                    hidden=move || !wizard.stepped.get() || wizard.step.get() == 0
                    on:click=move |_| {
                        wizard.local.set(None);
                        wizard.step.update(|s| *s = s.saturating_sub(1));
                    }
                >"Back"</button>
                <button
                    type="button"
                    class=PRIMARY
                    hidden=move || !wizard.stepped.get() || wizard.step.get() == last
                    on:click=move |_| next(wizard, choices)
                >"Next"</button>
                <button
                    type="submit"
                    class=PRIMARY
                    hidden=move || wizard.stepped.get() && wizard.step.get() != last
                    disabled=move || pending.get()
                >
                    {move || if pending.get() { "Creating…" } else { "Create cluster" }}
                </button>
                <a href="/clusters" class="text-sm text-slate-600 hover:underline dark:text-slate-400">"Cancel"</a>
            </div>
        </form>
    }
}

/// Checks the current step; moves on when it is fine, shows its errors otherwise.
fn next(wizard: Wizard, choices: StoredValue<WizardChoices>) {
    let current = Step::ALL[wizard.step.get_untracked()];
    let errors = match choices.with_value(|c| plan(&wizard.form.get_untracked(), c)) {
        Ok(_) => vec![],
        Err(errors) => errors_of_step(&errors, current),
    };
    if errors.is_empty() {
        wizard.local.set(None);
        wizard
            .step
            .update(|s| *s = (*s + 1).min(Step::ALL.len() - 1));
    } else {
        wizard.show(errors);
    }
}

/// The steps, the current one marked. The list is there from the first paint, so nothing moves
/// when the page turns into the wizard; until then (and for good without JavaScript, where the
/// form is one long page) it links to the sections.
#[component]
fn StepList(wizard: Wizard) -> impl IntoView {
    view! {
        <nav aria-label="Steps" class="mb-6">
            <ol class="flex flex-wrap gap-2 text-sm">
                {Step::ALL.iter().copied().enumerate().map(|(index, step)| {
                    let current = move || wizard.stepped.get() && wizard.step.get() == index;
                    let label = format!("{}. {}", index + 1, step.title());
                    let anchor = format!("#{}", section_id(step));
                    let label_in_wizard = label.clone();
                    view! {
                        <li
                            aria-current=move || current().then_some("step")
                            // The long form has no review section to link to.
                            hidden=move || step == Step::Review && !wizard.stepped.get()
                            class="rounded-full border px-3 py-1 aria-[current=step]:border-sky-600 aria-[current=step]:bg-sky-50 aria-[current=step]:font-semibold dark:aria-[current=step]:bg-sky-950"
                        >
                            {move || if wizard.stepped.get() {
                                Either::Left(label_in_wizard.clone())
                            } else {
                                Either::Right(view! { <a href=anchor.clone() class="hover:underline">{label.clone()}</a> })
                            }}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </nav>
    }
}

/// Every error, linked to its field; takes the focus when errors are shown. On a page with
/// one nodepool (`single_pool`), its fields are named without "Nodepool 1:".
#[component]
pub(super) fn Summary(wizard: Wizard, #[prop(optional)] single_pool: bool) -> impl IntoView {
    let other = move || match wizard.refusal.get() {
        Some(error) if !matches!(error, AppError::Validation { .. }) => Some(error),
        _ => None,
    };
    let label = move |field: &str| match field.strip_prefix("nodepools[0].") {
        Some(name) if single_pool => field_label(name),
        _ => field_label(field),
    };
    let visible = move || !wizard.errors().is_empty() || other().is_some();
    view! {
        <div
            node_ref=wizard.summary
            tabindex="-1"
            role="alert"
            hidden=move || !visible()
            class="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
        >
            {move || other().map(|error| view! {
                <p class="font-medium">{error.title()}</p>
                <p>{error.to_string()}</p>
                <p>{error.advice()}</p>
            })}
            {move || {
                let errors = wizard.errors();
                (!errors.is_empty()).then(|| view! {
                    <p class="font-medium">"Please check these fields"</p>
                    <ul class="mt-1 list-disc pl-5">
                        {errors.into_iter().map(|e| {
                            let href = format!("#{}", field_id(&e.field));
                            let text = format!("{}: {}", label(&e.field), e.message);
                            view! { <li><a class="underline" href=href>{text}</a></li> }
                        }).collect_view()}
                    </ul>
                })
            }}
        </div>
    }
}

/// A labelled text input bound to one field of the form.
pub(super) fn text_input(
    wizard: Wizard,
    field: String,
    label: String,
    hint: Option<String>,
    get: impl Fn(&ClusterForm) -> String + Copy + Send + Sync + 'static,
    set: impl Fn(&mut ClusterForm, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = field_id(&field);
    let described = format!("{id}-help {id}-error");
    let error_field = field.clone();
    let error = Signal::derive(move || wizard.error(&error_field));
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <input
                id=id.clone()
                name=html_name(&field)
                type="text"
                autocomplete="off"
                class=INPUT
                value=wizard.form.with_untracked(get)
                prop:value=move || wizard.form.with(get)
                on:input=move |ev| wizard.form.update(|f| set(f, event_target_value(&ev)))
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described
            />
            {hint.map(|hint| view! { <p id=format!("{id}-help") class=HINT>{hint}</p> })}
            <p id=format!("{id}-error") class=ERROR>{error}</p>
        </div>
    }
}

/// A labelled multi-line input bound to one field of the form.
pub(super) fn text_area(
    wizard: Wizard,
    field: String,
    label: String,
    hint: String,
    get: impl Fn(&ClusterForm) -> String + Copy + Send + Sync + 'static,
    set: impl Fn(&mut ClusterForm, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = field_id(&field);
    let described = format!("{id}-help {id}-error");
    let error_field = field.clone();
    let error = Signal::derive(move || wizard.error(&error_field));
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <textarea
                id=id.clone()
                name=html_name(&field)
                rows="2"
                class=INPUT
                prop:value=move || wizard.form.with(get)
                on:input=move |ev| wizard.form.update(|f| set(f, event_target_value(&ev)))
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described
            >{wizard.form.with_untracked(get)}</textarea>
            <p id=format!("{id}-help") class=HINT>{hint}</p>
            <p id=format!("{id}-error") class=ERROR>{error}</p>
        </div>
    }
}

/// A labelled select bound to one field of the form.
pub(super) fn select(
    wizard: Wizard,
    field: String,
    label: String,
    options: Vec<(String, String)>,
    get: impl Fn(&ClusterForm) -> String + Copy + Send + Sync + 'static,
    set: impl Fn(&mut ClusterForm, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = field_id(&field);
    let error_field = field.clone();
    let error = Signal::derive(move || wizard.error(&error_field));
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <select
                id=id.clone()
                name=html_name(&field)
                class=INPUT
                on:change=move |ev| wizard.form.update(|f| set(f, event_target_value(&ev)))
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=format!("{id}-error")
            >
                {options.into_iter().map(|(value, text)| {
                    let chosen = value.clone();
                    view! {
                        <option value=value selected=move || wizard.form.with(get) == chosen>{text}</option>
                    }
                }).collect_view()}
            </select>
            <p id=format!("{id}-error") class=ERROR>{error}</p>
        </div>
    }
}

/// A checkbox bound to one boolean of the form.
fn checkbox(
    wizard: Wizard,
    field: &'static str,
    label: &'static str,
    hint: &'static str,
    get: fn(&ClusterForm) -> bool,
    set: fn(&mut ClusterForm, bool),
) -> impl IntoView {
    let id = field_id(field);
    let error = Signal::derive(move || wizard.error(field));
    view! {
        <div class="flex gap-3">
            <input
                id=id.clone()
                name=html_name(field)
                type="checkbox"
                value="true"
                class="mt-1 h-4 w-4"
                checked=wizard.form.with_untracked(get)
                prop:checked=move || wizard.form.with(get)
                on:change=move |ev| wizard.form.update(|f| set(f, event_target_checked(&ev)))
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=format!("{id}-help {id}-error")
            />
            <div>
                <label for=id.clone() class="text-sm font-medium">{label}</label>
                <p id=format!("{id}-help") class=HINT>{hint}</p>
                <p id=format!("{id}-error") class=ERROR>{error}</p>
            </div>
        </div>
    }
}

/// The id of a section's heading (what the step list links to in the long form).
fn section_id(step: Step) -> String {
    format!("section-{}", step.title().to_lowercase().replace(' ', "-"))
}

/// A section of the form (a step of the wizard).
fn section(wizard: Wizard, step: Step, children: impl IntoView) -> impl IntoView {
    let heading = section_id(step);
    let labelled_by = heading.clone();
    view! {
        <section aria-labelledby=labelled_by class=SECTION hidden=move || wizard.hidden(step)>
            <h2 id=heading class="mb-4 text-base font-semibold">{step.title()}</h2>
            <div class="space-y-4">{children}</div>
        </section>
    }
}

#[component]
fn Basics(
    wizard: Wizard,
    choices: StoredValue<WizardChoices>,
    zone_asked: RwSignal<String>,
) -> impl IntoView {
    let (zones, versions) = choices.with_value(|c| (c.zones.clone(), c.versions.clone()));
    let versions: Vec<(String, String)> = versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let text = if i == 0 {
                format!("{v} (latest)")
            } else {
                v.clone()
            };
            (v.clone(), text)
        })
        .collect();
    let zones: Vec<(String, String)> = zones.into_iter().map(|z| (z.clone(), z)).collect();
    let level = move || wizard.form.with(|f| f.level.clone());
    section(
        wizard,
        Step::Basics,
        view! {
            {text_input(wizard, "name".into(), "Name".into(),
                Some("1 to 255 characters; shown in lists and used in kubeconfig names.".into()),
                |f| f.name.clone(), |f, v| f.name = v)}
            {text_input(wizard, "description".into(), "Description (optional)".into(),
                Some("At most 255 characters.".into()),
                |f| f.description.clone(), |f, v| f.description = v)}
            <div class="grid gap-4 sm:grid-cols-2">
                <div on:change=move |ev| zone_asked.set(event_target_value(&ev))>
                    {select(wizard, "zone".into(), "Zone".into(), zones, |f| f.zone.clone(), |f, v| f.zone = v)}
                </div>
                {select(wizard, "version".into(), "Kubernetes version".into(), versions, |f| f.version.clone(), |f, v| f.version = v)}
            </div>
            <fieldset id="field-level" aria-describedby="field-level-error">
                <legend class="text-sm font-medium">"Service level"</legend>
                {[("starter", "Starter", "Free. One control plane, no SLA and no etcd backups: for trials and development."),
                  ("pro", "Pro", "Paid. Highly available control plane with a 99.95 % SLA, daily etcd backups and control-plane resources that grow with the cluster. Needed for Karpenter.")]
                    .into_iter().map(|(value, title, text)| {
                        let id = format!("field-level-{value}");
                        view! {
                            <div class="mt-2 flex gap-3">
                                <input id=id.clone() type="radio" name="form[level]" value=value class="mt-1"
                                    checked=wizard.form.with_untracked(|f| f.level == value)
                                    prop:checked=move || level() == value
                                    on:change=move |_| wizard.form.update(|f| f.level = value.into())/>
                                <label for=id class="text-sm"><span class="font-medium">{title}</span>" — "{text}</label>
                            </div>
                        }
                    }).collect_view()}
                <p id="field-level-error" class=ERROR>{move || wizard.error("level")}</p>
            </fieldset>
            {checkbox(wizard, "auto_upgrade", "Upgrade the control plane automatically",
                "To the latest patch of its minor version, when one is published.",
                |f| f.auto_upgrade, |f, v| f.auto_upgrade = v)}
        },
    )
}

#[component]
fn Networking(wizard: Wizard) -> impl IntoView {
    let cnis = vec![
        ("calico".to_owned(), "Calico (default)".to_owned()),
        ("cilium".to_owned(), "Cilium".to_owned()),
        (String::new(), "None: I install my own".to_owned()),
    ];
    section(
        wizard,
        Step::Networking,
        view! {
            {select(wizard, "cni".into(), "Container network (CNI)".into(), cnis, |f| f.cni.clone(), |f, v| f.cni = v)}
            <p class=HINT>"Without a CNI, nodes stay NotReady until you deploy one."</p>
            {checkbox(wizard, "kube_proxy", "Run kube-proxy",
                "Routes Service traffic on each node. Cilium can replace it: turn it off with Cilium's kube-proxy replacement.",
                |f| f.kube_proxy, |f, v| f.kube_proxy = v)}
        },
    )
}

#[component]
fn Addons(wizard: Wizard) -> impl IntoView {
    let ccm_off = move || !wizard.form.with(|f| f.cloud_controller);
    let starter = move || wizard.form.with(|f| f.level != "pro");
    section(
        wizard,
        Step::Addons,
        view! {
            {checkbox(wizard, "cloud_controller", "Exoscale cloud controller",
                "Gives LoadBalancer services an Exoscale load balancer and tells Kubernetes about nodes. Chosen at creation only.",
                |f| f.cloud_controller, |f, v| f.cloud_controller = v)}
            <p role="status" class="rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100" hidden=move || !ccm_off()>
                "Without the cloud controller, nodes stay NotReady until you run one yourself, and this cannot be changed after the cluster is created."
            </p>
            {checkbox(wizard, "csi", "Exoscale block storage (CSI)",
                "Persistent volumes on Exoscale block storage. Needs the cloud controller.",
                |f| f.csi, |f, v| f.csi = v)}
            {checkbox(wizard, "metrics_server", "metrics-server",
                "Resource metrics for kubectl top and autoscalers. Chosen at creation only.",
                |f| f.metrics_server, |f, v| f.metrics_server = v)}
            {checkbox(wizard, "karpenter", "Karpenter",
                "Adds and removes nodes to fit pending pods. Pro level only; needs the cloud controller.",
                |f| f.karpenter, |f, v| f.karpenter = v)}
            <p class=HINT hidden=move || !starter()>"Karpenter is offered with the Pro level only."</p>
        },
    )
}

#[component]
fn Nodepools(wizard: Wizard, choices: StoredValue<WizardChoices>) -> impl IntoView {
    let count = Memo::new(move |_| wizard.form.with(|f| f.nodepools.len()));
    let add = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        wizard
            .form
            .update(|f| f.nodepools.push(NodepoolForm::default()));
        choices.with_value(|c| wizard.form.update(|f| f.fill_defaults(c)));
    };
    section(
        wizard,
        Step::Nodepools,
        view! {
            <p class="text-sm text-slate-600 dark:text-slate-400">
                "Nodepools are groups of identical nodes. You can add more, or scale them, after the cluster is created."
            </p>
            <p role="status" class="rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100" hidden=move || count.get() != 0>
                "Without a nodepool the cluster has no nodes to run workloads on. You can add nodepools later."
            </p>
            {move || (0..count.get()).map(|index| view! { <NodepoolFields wizard choices index/> }).collect_view()}
            <button type="submit" formaction="/clusters/new" formmethod="get" formnovalidate=true name="add_nodepool" value="1" class=SECONDARY on:click=add>
                "Add a nodepool"
            </button>
        },
    )
}

/// The fields of nodepool `index`. With a `title`, the pool is the page's only one (the
/// add-a-nodepool page): its fields are labelled by that title and it cannot be removed.
#[component]
pub(super) fn NodepoolFields(
    wizard: Wizard,
    choices: StoredValue<WizardChoices>,
    index: usize,
    #[prop(optional, into)] title: Option<String>,
    /// Leaves the size out (editing a pool: its size is changed by scaling it).
    #[prop(optional)]
    without_size: bool,
) -> impl IntoView {
    let removable = title.is_none();
    let field = move |name: &str| format!("nodepools[{index}].{name}");
    let pool = move |f: &ClusterForm| f.nodepools.get(index).cloned().unwrap_or_default();
    let edit = move |f: &mut ClusterForm, change: &dyn Fn(&mut NodepoolForm)| {
        if let Some(p) = f.nodepools.get_mut(index) {
            change(p);
        }
    };
    let types: Vec<(String, String)> = choices.with_value(|c| {
        c.instance_types
            .iter()
            .map(|t| (t.id.clone(), t.label()))
            .collect()
    });
    let remove = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        wizard.form.update(|f| {
            if index < f.nodepools.len() {
                f.nodepools.remove(index);
            }
        });
        wizard.local.set(None);
    };
    let title = title.unwrap_or_else(|| format!("Nodepool {}", index + 1));
    let groups = |kind: &'static str, label: &'static str, list: Vec<(String, String)>| {
        let pick = move |f: &ClusterForm| -> Vec<String> {
            let p = pool(f);
            match kind {
                "security_groups" => p.security_groups,
                "private_networks" => p.private_networks,
                _ => p.anti_affinity_groups,
            }
        };
        let name = format!("{}[]", html_name(&field(kind)));
        let error_field = field(kind);
        let error = move || wizard.error(&error_field);
        let id = field_id(&field(kind));
        view! {
            <fieldset id=id.clone() aria-describedby=format!("{id}-error")>
                <legend class="text-sm font-medium">{label}</legend>
                {if list.is_empty() {
                    view! { <p class=HINT>"None in this zone."</p> }.into_any()
                } else {
                    list.into_iter().map(|(value, text)| {
                        let box_id = format!("{id}-{value}");
                        let chosen = value.clone();
                        let toggled = value.clone();
                        view! {
                            <div class="mt-1 flex gap-2">
                                <input id=box_id.clone() type="checkbox" name=name.clone() value=value
                                    checked=wizard.form.with_untracked(|f| pick(f).contains(&chosen))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        let id = toggled.clone();
                                        wizard.form.update(|f| edit(f, &|p| {
                                            let list = match kind {
                                                "security_groups" => &mut p.security_groups,
                                                "private_networks" => &mut p.private_networks,
                                                _ => &mut p.anti_affinity_groups,
                                            };
                                            list.retain(|x| *x != id);
                                            if on { list.push(id.clone()); }
                                        }));
                                    }/>
                                <label for=box_id class="text-sm">{text}</label>
                            </div>
                        }
                    }).collect_view().into_any()
                }}
                <p id=format!("{id}-error") class=ERROR>{error}</p>
            </fieldset>
        }
    };
    let mut targets = vec![(String::new(), "None: shared hypervisors".to_owned())];
    choices.with_value(|c| {
        targets.extend(
            c.deploy_targets
                .iter()
                .map(|t| (t.id.clone(), t.name.clone())),
        );
    });
    let (security, networks, anti) = choices.with_value(|c| {
        let list = |l: &[crate::wizard::NamedChoice]| {
            l.iter()
                .map(|n| (n.id.clone(), n.name.clone()))
                .collect::<Vec<_>>()
        };
        (
            list(&c.security_groups),
            list(&c.private_networks),
            list(&c.anti_affinity_groups),
        )
    });
    view! {
        <fieldset class="rounded-md border border-slate-200 p-4 dark:border-slate-700">
            <legend class="px-1 text-sm font-semibold">{title.clone()}</legend>
            <div class="grid gap-4 sm:grid-cols-2">
                {text_input(wizard, field("name"), format!("{title} name"), Some("1 to 255 characters, distinct in the cluster.".into()),
                    move |f| pool(f).name, move |f, v| edit(f, &|p| p.name = v.clone()))}
                {select(wizard, field("instance_type"), format!("{title} instance type"), types,
                    move |f| pool(f).instance_type, move |f, v| edit(f, &|p| p.instance_type = v.clone()))}
                {(!without_size).then(|| text_input(wizard, field("size"), format!("{title} size (nodes)"), Some("At least 1.".into()),
                    move |f| pool(f).size, move |f, v| edit(f, &|p| p.size = v.clone())))}
                {text_input(wizard, field("disk_size"), format!("{title} disk size (GiB)"), Some("Between 20 and 51200 GiB per node.".into()),
                    move |f| pool(f).disk_size, move |f, v| edit(f, &|p| p.disk_size = v.clone()))}
                {text_area(wizard, field("labels"), format!("{title} labels"), "One key=value per line.".into(),
                    move |f| pool(f).labels, move |f, v| edit(f, &|p| p.labels = v.clone()))}
                {text_area(wizard, field("taints"), format!("{title} taints"), "One key=value:Effect per line; Effect is NoSchedule, PreferNoSchedule or NoExecute.".into(),
                    move |f| pool(f).taints, move |f, v| edit(f, &|p| p.taints = v.clone()))}
                {groups("security_groups", "Security groups", security)}
                {groups("private_networks", "Private networks", networks)}
                {groups("anti_affinity_groups", "Anti-affinity groups", anti)}
            </div>
            <details class="mt-4">
                <summary class="cursor-pointer text-sm font-medium">"More settings: description, node names, public IP, deploy target, kubelet"</summary>
                <div class="mt-3 grid gap-4 sm:grid-cols-2">
                    {text_input(wizard, field("description"), format!("{title} description"), None,
                        move |f| pool(f).description, move |f, v| edit(f, &|p| p.description = v.clone()))}
                    {text_input(wizard, field("instance_prefix"), format!("{title} node name prefix"), Some("Nodes are called prefix-…; empty for the service's (pool). Up to 30 characters.".into()),
                        move |f| pool(f).instance_prefix, move |f, v| edit(f, &|p| p.instance_prefix = v.clone()))}
                    {select(wizard, field("public_ip_assignment"), format!("{title} public IP"),
                        vec![(String::new(), "IPv4".to_owned()), ("dual".to_owned(), "IPv4 and IPv6".to_owned())],
                        move |f| pool(f).public_ip_assignment, move |f, v| edit(f, &|p| p.public_ip_assignment = v.clone()))}
                    {select(wizard, field("deploy_target"), format!("{title} deploy target"), targets,
                        move |f| pool(f).deploy_target, move |f, v| edit(f, &|p| p.deploy_target = v.clone()))}
                    {text_input(wizard, field("max_pods"), format!("{title} pods per node"), Some("The kubelet's maximum, 1 to 65535; empty for the service's default.".into()),
                        move |f| pool(f).max_pods, move |f, v| edit(f, &|p| p.max_pods = v.clone()))}
                </div>
                <fieldset class="mt-4">
                    <legend class="text-sm font-medium">"Image clean-up (kubelet)"</legend>
                    <p class=HINT>"Unused images are removed once the disk is this full, down to the lower mark, if unused for the minimum age. Empty for the service's defaults (the exo CLI sends 85%, 80%, 2m)."</p>
                    <div class="mt-2 grid gap-4 sm:grid-cols-3">
                        {text_input(wizard, field("image_gc_high"), format!("{title} image clean-up starts at (% disk)"), None,
                            move |f| pool(f).image_gc_high, move |f, v| edit(f, &|p| p.image_gc_high = v.clone()))}
                        {text_input(wizard, field("image_gc_low"), format!("{title} image clean-up down to (% disk)"), None,
                            move |f| pool(f).image_gc_low, move |f, v| edit(f, &|p| p.image_gc_low = v.clone()))}
                        {text_input(wizard, field("image_gc_min_age"), format!("{title} image minimum age"), Some("A duration: 2m, 90s, 1h30m.".into()),
                            move |f| pool(f).image_gc_min_age, move |f, v| edit(f, &|p| p.image_gc_min_age = v.clone()))}
                    </div>
                </fieldset>
            </details>
            {removable.then(|| view! {
                <button type="submit" formaction="/clusters/new" formmethod="get" formnovalidate=true
                    name="remove_nodepool" value=index.to_string() class="mt-4 text-sm text-red-700 hover:underline dark:text-red-400" on:click=remove>
                    {format!("Remove nodepool {}", index + 1)}
                </button>
            })}
        </fieldset>
    }
}

/// Everything on one page: the choices, an estimated monthly cost, and the same request as
/// API bodies, CLI commands and Terraform.
#[component]
fn Review(wizard: Wizard, choices: StoredValue<WizardChoices>) -> impl IntoView {
    let review = move || {
        let form = wizard.form.get();
        choices.with_value(|choices| match plan(&form, choices) {
            Err(_) => view! {
                <p class="text-sm">"Some steps still need attention: press Create cluster to see what, or go back."</p>
            }
            .into_any(),
            Ok(plan) => {
                let type_of = |id: String| {
                    choices
                        .instance_type_name(&id)
                        .map(str::to_owned)
                        .unwrap_or(id)
                };
                let pools: Vec<(String, String, i64, i64)> = plan
                    .nodepools
                    .iter()
                    .map(|p| {
                        (
                            p.name.clone(),
                            type_of(p.instance_type.id.to_string()),
                            p.size,
                            p.disk_size,
                        )
                    })
                    .collect();
                let costs: Vec<PoolCost<'_>> = pools
                    .iter()
                    .map(|(name, kind, size, disk)| PoolCost {
                        name,
                        instance_type: kind,
                        size: *size,
                        disk_gib: *disk,
                    })
                    .collect();
                let estimate = estimate(plan.cluster.level.as_str(), &costs);
                let addons: Vec<String> = plan
                    .cluster
                    .addons
                    .iter()
                    .flatten()
                    .map(|a| a.to_string())
                    .collect();
                let facts = vec![
                    ("Name", plan.cluster.name.clone()),
                    ("Zone", plan.zone.clone()),
                    ("Kubernetes version", plan.cluster.version.clone()),
                    ("Service level", plan.cluster.level.to_string()),
                    (
                        "CNI",
                        plan.cluster
                            .cni
                            .as_ref()
                            .map(|c| c.to_string())
                            .unwrap_or_else(|| "none".into()),
                    ),
                    (
                        "kube-proxy",
                        if plan.cluster.enable_kube_proxy == Some(true) { "yes" } else { "no" }.into(),
                    ),
                    (
                        "Add-ons",
                        if addons.is_empty() { "none".into() } else { addons.join(", ") },
                    ),
                    ("Nodepools", plan.nodepools.len().to_string()),
                ];
                let calls = api_calls(&plan);
                let cli = exo_commands(&plan, choices);
                let hcl = terraform(&plan, choices);
                view! {
                    <dl class="divide-y divide-slate-100 text-sm dark:divide-slate-800">
                        {facts.into_iter().map(|(term, value)| view! {
                            <div class="flex justify-between gap-4 py-2">
                                <dt class="text-slate-500 dark:text-slate-400">{term}</dt>
                                <dd class="text-right font-medium">{value}</dd>
                            </div>
                        }).collect_view()}
                    </dl>
                    <h3 class="mt-6 text-sm font-semibold">"Estimated monthly cost"</h3>
                    <table class="mt-2 w-full text-sm">
                        <caption class="sr-only">"Estimated monthly cost"</caption>
                        <tbody>
                            {estimate.lines.iter().map(|line| view! {
                                <tr>
                                    <th scope="row" class="py-1 text-left font-normal">{line.label.clone()}</th>
                                    <td class="py-1 text-right">{line.monthly.map(format_eur).unwrap_or_else(|| "not in the price table".into())}</td>
                                </tr>
                            }).collect_view()}
                            <tr class="border-t border-slate-200 dark:border-slate-700">
                                <th scope="row" class="py-1 text-left">"Total per month"</th>
                                <td class="py-1 text-right font-semibold" data-testid="monthly-total">
                                    {format!("{}{}", if estimate.incomplete { "at least " } else { "" }, format_eur(estimate.total))}
                                </td>
                            </tr>
                        </tbody>
                    </table>
                    <p class=HINT>{format!("An estimate from list prices as of {PRICES_AS_OF}, 730 hours a month, before taxes; your invoice may differ.")}</p>
                    <h3 class="mt-6 text-sm font-semibold">"API requests"</h3>
                    {calls.into_iter().map(|call| view! {
                        <p class="mt-2 font-mono text-xs">{call.title}</p>
                        <pre class="mt-1 overflow-x-auto rounded bg-slate-100 p-3 text-xs dark:bg-slate-800"><code>{call.body}</code></pre>
                    }).collect_view()}
                    <h3 class="mt-6 text-sm font-semibold">"exo CLI"</h3>
                    <pre class="mt-1 overflow-x-auto rounded bg-slate-100 p-3 text-xs dark:bg-slate-800"><code>{cli}</code></pre>
                    <h3 class="mt-6 text-sm font-semibold">"Terraform"</h3>
                    <pre class="mt-1 overflow-x-auto rounded bg-slate-100 p-3 text-xs dark:bg-slate-800"><code>{hcl}</code></pre>
                }
                .into_any()
            }
        })
    };
    section(wizard, Step::Review, view! { {review} })
}

/// The "Create cluster" link of the cluster list, for the roles that may create.
#[component]
pub fn CreateClusterLink() -> impl IntoView {
    use crate::roles::Role;
    use crate::server_fns::auth::whoami;
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let may = me
                    .await
                    .ok()
                    .flatten()
                    .and_then(|p| p.org)
                    .is_some_and(|o| o.role >= Role::Admin);
                may.then(|| view! {
                    <a href="/clusters/new" class=PRIMARY>"Create cluster"</a>
                })
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_and_ids_follow_the_form_paths() {
        assert_eq!(html_name("name"), "form[name]");
        assert_eq!(html_name("nodepools[1].size"), "form[nodepools][1][size]");
        assert_eq!(
            field_id("nodepools[1].disk_size"),
            "field-nodepools-1-disk_size"
        );
        assert_eq!(field_id("name"), "field-name");
    }

    #[test]
    fn the_address_carries_a_form_and_its_nodepool_changes() {
        assert_eq!(form_from_query(""), None);
        let query = "form%5Bname%5D=web&form%5Bnodepools%5D%5B0%5D%5Bname%5D=a\
            &form%5Bnodepools%5D%5B1%5D%5Bname%5D=b&add_nodepool=1&__path=x&__err=y";
        let form = form_from_query(query).unwrap();
        assert_eq!(form.name, "web");
        assert_eq!(form.nodepools.len(), 3);
        let removed = form_from_query(
            "form%5Bnodepools%5D%5B0%5D%5Bname%5D=a&form%5Bnodepools%5D%5B1%5D%5Bname%5D=b&remove_nodepool=0",
        )
        .unwrap();
        assert_eq!(removed.nodepools.len(), 1);
        assert_eq!(removed.nodepools[0].name, "b");
    }
}
