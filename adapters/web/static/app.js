// The playground page: renders the records the bot's web adapter pushes, posts what the
// person does. Every element is built with textContent: nothing anyone typed becomes HTML.
"use strict";

const CHANNEL = "ai-incidents";
const DEFAULT_PEOPLE = ["Lena Lead", "Bob", "Cara", "Dan"];
const records = new Map(); // id -> record, in arrival order
let people = [...DEFAULT_PEOPLE];
let me = null;
let selectedThread = null;
let stream = null;

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function newId() {
  return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
}

// Identity: one per tab (sessionStorage), or ?as=Name in the address.

function chooseIdentity() {
  const asked = new URLSearchParams(location.search).get("as");
  me = asked || sessionStorage.getItem("jcdc-person") || DEFAULT_PEOPLE[0];
  sessionStorage.setItem("jcdc-person", me);
  if (!people.includes(me)) people.push(me);
  renderPeople();
}

function renderPeople() {
  const select = $("who");
  select.replaceChildren(...people.map((name) => el("option", { value: name, text: name, selected: name === me })));
}

function becomes(name) {
  me = name;
  sessionStorage.setItem("jcdc-person", me);
  if (!people.includes(me)) people.push(me);
  renderPeople();
  connect();
}

// Talking to the server.

async function deliver(body) {
  const delivery = { id: newId(), person: { name: me }, channel: CHANNEL, ...body };
  for (let attempt = 0; attempt < 5; attempt++) {
    let response;
    try {
      response = await fetch("/api/deliveries", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(delivery),
      });
    } catch (error) {
      response = null;
    }
    if (response && response.status === 202) return true;
    if (response && response.status !== 503) {
      const reason = await response.json().catch(() => ({ error: response.statusText }));
      showProblem(reason.error || "refused");
      return false;
    }
    // Not stored (503 or no answer): the same delivery again, with the same id.
    await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
  }
  showProblem("the bot could not store that; try again");
  return false;
}

function showProblem(text) {
  const log = selectedThread ? $("thread-log") : $("channel-log");
  log.append(el("p", { class: "msg private problem", text: "⚠ " + text }));
  log.scrollTop = log.scrollHeight;
}

function connect() {
  if (stream) stream.close();
  records.clear();
  const status = $("connection");
  status.textContent = "connecting…";
  status.className = "off";
  stream = new EventSource("/api/stream?person=" + encodeURIComponent(me));
  stream.onopen = () => { status.textContent = "live as " + me; status.className = "on"; };
  stream.onerror = () => { status.textContent = "reconnecting…"; status.className = "off"; };
  stream.onmessage = (message) => receive(JSON.parse(message.data));
}

function receive(message) {
  if (message.op === "snapshot") {
    records.clear();
    for (const record of message.records) records.set(record.id, record);
    mergePeople(message.people);
    render();
    refreshMail();
    return;
  }
  if (message.op === "people") {
    mergePeople(message.people);
    return;
  }
  if (message.op === "put") {
    const record = message.record;
    const fresh = !records.has(record.id);
    records.set(record.id, record);
    if (record.kind === "root" && fresh && !selectedThread) selectedThread = record.id;
    if (record.kind === "form") openForm(record);
    else if (record.kind === "form_errors") showFormErrors(record);
    else if (record.kind === "preview" && fresh) openPreview(record);
    render();
    if (record.author && record.author.bot) refreshMail();
  }
}

function mergePeople(names) {
  for (const name of names || []) if (!people.includes(name)) people.push(name);
  renderPeople();
}

// Rendering.

function render() {
  const channel = [];
  const thread = [];
  for (const record of records.values()) {
    if (!["root", "post", "notice", "said"].includes(record.kind)) continue;
    if (record.thread == null) channel.push(record);
    else if (record.thread === selectedThread) thread.push(record);
  }
  fill($("channel-log"), channel.map(renderRecord));
  const root = selectedThread && records.get(selectedThread);
  $("thread-title").textContent = root && root.card ? "Thread: " + root.card.title : "Thread";
  const input = $("thread-input");
  input.disabled = !root;
  $("thread-form").querySelector("button").disabled = !root;
  if (root) fill($("thread-log"), thread.map(renderRecord));
}

function fill(log, nodes) {
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.replaceChildren(...nodes);
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function renderRecord(record) {
  if (record.kind === "root") return renderCard(record);
  const classes = ["msg", record.kind];
  if (record.to) classes.push("private");
  if (record.deleted) classes.push("deleted");
  const node = el("div", { class: classes.join(" "), "data-id": record.id });
  const who = el("span", { class: "who" + (record.author.bot ? " bot" : ""), text: record.author.name });
  node.append(who);
  if (record.to) node.append(" ", el("span", { class: "only-you", text: "Only visible to you" }));
  const body = el("div", { class: "body" });
  if (record.kind === "said") {
    body.textContent = record.deleted ? "(message deleted)" : record.text;
  } else {
    body.append(...record.spans.map(renderSpan));
  }
  node.append(body);
  if (record.edited && !record.deleted) node.append(el("span", { class: "edited", text: "(edited)" }));
  if (record.kind === "said" && !record.deleted && record.thread && record.author.name === me) {
    node.append(el("span", { class: "tools" },
      el("button", { type: "button", text: "edit", onclick: () => editMessage(record) }),
      el("button", { type: "button", text: "delete", onclick: () => deleteMessage(record) })));
  }
  if (record.buttons && record.buttons.length) node.append(renderButtons(record.buttons, record.thread, record.id));
  return node;
}

function renderSpan(span) {
  if (span.style === "strong") return el("strong", { text: span.text });
  if (span.style === "emphasis") return el("em", { text: span.text });
  if (span.style === "code" || span.style === "command") return el("code", { class: "span-code", text: span.text });
  if (span.style === "mention") return el("span", { class: "span-mention", text: "@" + span.text });
  return el("span", { class: "span-" + span.style, text: span.text });
}

// `messageId`: the record the buttons are on, so that a used control can be retired there.
function renderButtons(buttons, thread, messageId) {
  return el("div", { class: "buttons" }, ...buttons.map((button) =>
    el("button", {
      type: "button",
      class: button.style || "",
      "data-action": button.action,
      text: button.label,
      onclick: (event) => press(event.target, button.action, button.value, thread, messageId),
    })));
}

async function press(node, action, value, thread, messageId) {
  node.disabled = true;
  const report_id = value.split(":")[0] || null;
  await deliver({ type: "press", action, value, report_id, thread, message_id: messageId || null });
  node.disabled = false;
}

function tlpClass(tlp) {
  return "tlp " + tlp.replace(/^TLP:/i, "").split("+")[0].toLowerCase();
}

function renderCard(record) {
  const card = record.card;
  const node = el("div", { class: "card" + (record.id === selectedThread ? " selected" : ""), "data-id": record.id, "data-report": card.report_id });
  node.append(el("h3", { text: card.title }));
  node.append(el("div", {},
    el("span", { class: tlpClass(card.tlp), text: card.tlp }),
    ` · ${card.status} · lead ${card.lead.name} · ${card.answered}/${card.total} answered`));
  const list = el("ul", { class: "sections" });
  for (const section of card.sections) {
    const share = section.total ? Math.round((100 * section.answered) / section.total) : 0;
    const bar = el("span", { class: "bar" }, el("span", { style: `width:${share}%` }));
    list.append(el("li", {}, `${section.number} ${section.title}`, bar,
      `${section.answered}/${section.total}`, section.assignee ? ` — ${section.assignee.name}` : ""));
  }
  node.append(list);
  if (card.open_conflicts.length) {
    node.append(el("div", { class: "conflicts", text: "Open conflicts: " + card.open_conflicts.join(", ") }));
  }
  if (card.current_question) {
    node.append(el("div", { class: "now-asking" }, el("strong", { text: "Now asking: " }), card.current_question));
  }
  if (card.question) {
    // The first question, asked on the root itself until the thread asks one.
    const asked = el("div", { class: "root-question", "data-item": card.question.item_id },
      el("div", { class: "body" }, ...card.question.spans.map(renderSpan)));
    if (card.question.buttons.length) asked.append(renderButtons(card.question.buttons, record.id));
    node.append(asked);
  }
  const picker = el("select", { "aria-label": "Answer a section in a form", class: "section-picker" },
    el("option", { value: "", text: "Answer a section in a form…" }),
    ...card.sections.map((s) => el("option", { value: `${card.report_id}:${s.section_id}`, text: `${s.number} ${s.title}` })));
  picker.addEventListener("change", () => {
    if (picker.value) deliver({ type: "press", action: "open_form", value: picker.value, report_id: card.report_id, thread: record.id });
    picker.value = "";
  });
  const buttons = renderButtons(card.buttons, record.id, record.id);
  buttons.prepend(picker);
  buttons.append(el("button", { type: "button", class: "open-thread", text: "Open thread", onclick: () => { selectedThread = record.id; render(); } }));
  node.append(buttons);
  return node;
}

// Messages of one's own: edit and delete.

async function editMessage(record) {
  const text = prompt("Edit your message", record.text);
  if (text === null || text === record.text) return;
  await deliver({ type: "edit", thread: record.thread, message_id: record.id, text });
}

async function deleteMessage(record) {
  await deliver({ type: "delete", thread: record.thread, message_id: record.id });
}

// Typing: a command or a message; @Name mentions resolved against the people on the page.

function mentionsIn(text) {
  return people.filter((name) => text.includes("@" + name));
}

async function say(text, thread) {
  if (!text.trim()) return false;
  return deliver({ type: "say", text, thread, mentions: mentionsIn(text) });
}

// Forms as dialogs.

let openFormRecord = null;

function openForm(record) {
  openFormRecord = record;
  const form = record.form;
  $("form-title").textContent = form.title;
  const fields = form.fields.map((field) => {
    const label = el("label", { for: "field-" + field.item_id, text: `${field.number} ${field.label}` });
    let input;
    if (field.choices.length) {
      input = el("select", { id: "field-" + field.item_id, name: field.item_id, multiple: field.multiple });
      if (!field.multiple) input.append(el("option", { value: "", text: "—" }));
      for (const choice of field.choices) {
        input.append(el("option", { value: choice.value, text: choice.label, selected: field.selected.includes(choice.value) }));
      }
    } else if (field.multiline) {
      input = el("textarea", { id: "field-" + field.item_id, name: field.item_id, rows: 3 });
      input.value = field.initial;
    } else {
      input = el("input", { id: "field-" + field.item_id, name: field.item_id });
      input.value = field.initial;
    }
    return el("div", { class: "field", "data-item": field.item_id }, label, input,
      el("div", { class: "help", text: field.help }), el("div", { class: "error" }));
  });
  $("form-fields").replaceChildren(...fields);
  const dialog = $("form-dialog");
  if (!dialog.open) dialog.showModal();
}

function showFormErrors(record) {
  const dialog = $("form-dialog");
  for (const [item, reason] of Object.entries(record.errors)) {
    const slot = document.querySelector(`.field[data-item="${CSS.escape(item)}"] .error`);
    if (slot) slot.textContent = reason;
  }
  if (openFormRecord && !dialog.open) dialog.showModal();
}

async function submitForm() {
  const form = openFormRecord.form;
  const values = {};
  for (const field of form.fields) {
    const input = document.getElementById("field-" + field.item_id);
    values[field.item_id] = field.multiple
      ? [...input.selectedOptions].map((option) => option.value).join(", ")
      : input.value;
  }
  for (const slot of document.querySelectorAll("#form-fields .error")) slot.textContent = "";
  $("form-dialog").close();
  await deliver({ type: "form", report_id: form.report_id, section_id: form.section_id, values });
}

function openPreview(record) {
  $("preview-title").textContent = "Preview: " + record.title;
  $("preview-text").textContent = record.text;
  const dialog = $("preview-dialog");
  if (!dialog.open) dialog.showModal();
}

// The outbox: what the bot "sent".

let mailTimer = null;

function refreshMail() {
  clearTimeout(mailTimer);
  mailTimer = setTimeout(loadMail, 300);
}

async function loadMail() {
  const response = await fetch("/api/mail").catch(() => null);
  if (!response || !response.ok) return;
  const { messages } = await response.json();
  const list = $("mail-list");
  if (!messages.length) return;
  list.replaceChildren(...messages.map(renderMail));
}

function renderMail(mail) {
  const node = el("article", { class: "mail", "data-file": mail.file });
  if (mail.error) {
    node.append(el("p", { text: `${mail.file}: ${mail.error}` }));
    return node;
  }
  node.append(el("div", {}, el("span", { class: tlpClass(mail.tlp || ""), text: mail.tlp }), " ", el("strong", { class: "subject", text: mail.subject })));
  const details = el("dl");
  for (const [name, value] of [["To", mail.to], ["Cc", mail.cc], ["From", mail.from], ["Date", mail.date], ["Message-ID", mail.message_id], ["File", mail.file]]) {
    if (value) details.append(el("dt", { text: name }), el("dd", { text: value }));
  }
  node.append(details);
  if (mail.attachments.length) {
    node.append(el("div", { text: "Attachments:" }), el("ul", { class: "attachments" },
      ...mail.attachments.map((a) => el("li", { text: `${a.filename} (${a.content_type}, ${a.size} bytes)` }))));
  }
  if (mail.encrypted) node.append(el("p", { text: "S/MIME-encrypted: only JCDC can read it." }));
  else if (mail.html) {
    // No scripts, no same-origin: the report's HTML is shown, nothing more.
    const frame = el("iframe", { sandbox: "", title: "the e-mail's HTML part" });
    frame.srcdoc = mail.html;
    node.append(frame);
  } else node.append(el("pre", { text: mail.text }));
  return node;
}

// Wiring the page.

async function loadInfo() {
  const response = await fetch("/api/info").catch(() => null);
  if (!response || !response.ok) return;
  const info = await response.json();
  $("mail-note").textContent = info.mail === "smtp"
    ? `SMTP is configured (${info.relay}): a confirmed report IS e-mailed to ${info.to}.`
    : `Nothing goes to CISA: no SMTP relay is configured, so a confirmed report is written to the outbox folder (${info.folder}) and shown here.`;
}

function composer(formId, inputId, threadOf) {
  $(formId).addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $(inputId);
    const text = input.value;
    input.value = "";
    if (!(await say(text, threadOf()))) input.value = text;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  chooseIdentity();
  $("who").addEventListener("change", (event) => becomes(event.target.value));
  $("add-person").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("new-person").value.trim();
    $("new-person").value = "";
    if (name) becomes(name);
  });
  composer("channel-form", "channel-input", () => null);
  composer("thread-form", "thread-input", () => selectedThread);
  $("section-form").addEventListener("submit", (event) => { event.preventDefault(); submitForm(); });
  $("form-cancel").addEventListener("click", () => $("form-dialog").close());
  $("preview-close").addEventListener("click", () => $("preview-dialog").close());
  loadInfo();
  connect();
});
