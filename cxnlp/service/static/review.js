// The cxnlp review page: loads one stored call with the reviewer's key and posts the verdict.
// Every piece of call data is put in the page as text nodes or attribute values, never as
// HTML, so a transcript cannot inject markup or script (the server's CSP forbids inline
// script as well). Offsets from the API count Unicode code points, as Python does.
"use strict";

(function () {
  const KEY_STORE = "cxnlp-review-key";
  const LABELS = {
    brand_congruence: "Brand congruence",
    answer_completeness: "Answer completeness",
    proactive_connection: "Proactive connection",
    filler_content: "Filler content",
    interaction_score: "Interaction score",
  };
  const $ = (id) => document.getElementById(id);
  const marker = "/review/";
  const path = window.location.pathname;
  const transcriptId = decodeURIComponent(path.slice(path.lastIndexOf(marker) + marker.length));
  const api = (rest) => "../v1/" + rest;
  let authRequired = true;
  let evidence = [];

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "class") node.className = value;
      else node.setAttribute(name, String(value));
    }
    for (const child of children) node.append(child); // strings become text nodes
    return node;
  }

  function label(name) {
    return LABELS[name] || name;
  }

  function number(value, digits) {
    return value === null || value === undefined ? "n/a" : Number(value).toFixed(digits);
  }

  function points(item) {
    const unit = item.dimension === "filler_content" ? " words" : " points";
    const value = Number(item.points);
    return (value > 0 ? "+" : "") + value.toFixed(1) + unit;
  }

  function finding(item) {
    const where = item.span ? " [" + item.span + "]" : "";
    return label(item.dimension) + ": " + item.kind + where + " — " + (item.detail || "") + " (" + points(item) + ")";
  }

  function setStatus(text) {
    $("status").textContent = text;
  }

  function currentKey() {
    return window.sessionStorage.getItem(KEY_STORE) || "";
  }

  function takeKeyFromFragment() {
    const match = /(?:^#|&)key=([^&]+)/.exec(window.location.hash);
    if (match) {
      window.sessionStorage.setItem(KEY_STORE, decodeURIComponent(match[1]));
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  }

  async function request(method, url, body) {
    const headers = { Accept: "application/json" };
    const key = currentKey();
    if (key) headers.Authorization = "Bearer " + key;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
    let payload = null;
    try {
      payload = await response.json();
    } catch (err) {
      payload = null;
    }
    return { status: response.status, ok: response.ok, body: payload };
  }

  function detail(result) {
    return (result.body && result.body.detail) || "HTTP " + result.status;
  }

  function askForKey(message) {
    $("main").hidden = true;
    $("key-box").hidden = false;
    setStatus(message || "Enter your API key to open this call.");
    $("key").focus();
  }

  async function load() {
    setStatus("Loading the call…");
    const result = await request("GET", api("calls/" + encodeURIComponent(transcriptId)));
    if (result.status === 401 || result.status === 403) {
      window.sessionStorage.removeItem(KEY_STORE);
      askForKey(detail(result));
      return;
    }
    if (!result.ok) {
      setStatus("Cannot open this call: " + detail(result));
      return;
    }
    render(result.body);
    $("key-box").hidden = true;
    $("main").hidden = false;
    setStatus("Loaded. Scored " + (result.body.result.scored_at || "") + ".");
  }

  function dimensionsOf(items) {
    return Array.from(new Set(items.map((i) => evidence[i].dimension)));
  }

  function showFindings(indices) {
    const list = $("finding-list");
    list.replaceChildren();
    for (const i of indices) {
      const item = evidence[i];
      list.append(el("li", { class: "dim-" + item.dimension, "data-evidence": i }, finding(item)));
    }
  }

  function renderTurn(turn) {
    const chars = Array.from(turn.text);
    const text = el("p", { class: "text" });
    for (const segment of turn.segments) {
      const piece = chars.slice(segment.start, segment.end).join("");
      const covering = Array.from(new Set(segment.evidence.concat(segment.spans))).sort((a, b) => a - b);
      if (covering.length === 0) {
        text.append(piece);
        continue;
      }
      const dims = dimensionsOf(covering);
      const classes = ["ev", "dim-" + dims[0]];
      if (dims.length > 1) classes.push("multi");
      if (segment.spans.length > 0) classes.push("exact");
      const mark = el(
        "mark",
        {
          class: classes.join(" "),
          tabindex: 0,
          "data-evidence": covering.join(" "),
          "data-dimensions": dims.join(" "),
          title: covering.map((i) => finding(evidence[i])).join("\n"),
        },
        piece
      );
      const show = () => showFindings(covering);
      mark.addEventListener("mouseenter", show);
      mark.addEventListener("focus", show);
      mark.addEventListener("click", show);
      text.append(mark);
    }
    const when = turn.start_seconds === null || turn.start_seconds === undefined ? "" : " · " + number(turn.start_seconds, 1) + " s";
    return el("li", { class: "turn " + turn.speaker, "data-turn": turn.index }, el("span", { class: "who" }, turn.speaker + when), text);
  }

  function renderScores(result) {
    const body = $("score-table").querySelector("tbody");
    body.replaceChildren();
    for (const [name, dim] of Object.entries(result.dimensions)) {
      const direction = dim.higher_is_better ? "" : " (lower is better)";
      body.append(
        el(
          "tr",
          { "data-score": name },
          el("th", { scope: "row", class: "dim-" + name }, label(name) + direction),
          el("td", { class: "value" }, number(dim.score, 1)),
          el("td", {}, dim.why_not_applicable || "")
        )
      );
    }
    body.append(
      el(
        "tr",
        { "data-score": "interaction_score" },
        el("th", { scope: "row" }, label("interaction_score")),
        el("td", { class: "value" }, number(result.interaction_score, 1)),
        el("td", {}, result.interaction_why_not || "")
      )
    );
    const predictions = $("predictions");
    predictions.replaceChildren();
    for (const p of result.predictions) {
      const level = Math.round(100 * p.interval_level);
      predictions.append(
        el("li", { "data-target": p.target }, p.target + ": " + number(p.prediction, 1) + " (" + level + "% interval " + number(p.interval_low, 1) + "–" + number(p.interval_high, 1) + ")")
      );
    }
    if (result.predictions.length === 0) predictions.append(el("li", {}, "none (no calibration loaded)"));
    const notes = $("notes");
    notes.replaceChildren();
    result.evidence.forEach((item, i) => {
      if (item.start === null || item.start === undefined) {
        notes.append(el("li", { class: "dim-" + item.dimension, "data-evidence": i }, (item.sentence ? "“" + item.sentence + "” " : "") + finding(item)));
      }
    });
    if (!notes.children.length) notes.append(el("li", { class: "hint" }, "none"));
    $("configuration").textContent = "Configuration " + result.configuration.id + " · cxnlp " + result.configuration.cxnlp_version;
  }

  function signed(value) {
    const number = Number(value);
    return (number > 0 ? "+" : "") + number.toFixed(1);
  }

  function renderExplanations(explanations) {
    const box = $("explanations");
    box.replaceChildren();
    if (!explanations || explanations.length === 0) {
      box.append(el("p", { class: "hint" }, "none (no calibration loaded, or the call's text is not found)"));
      return;
    }
    for (const e of explanations) {
      const terms = el("ul", { class: "terms" });
      const ranked = e.terms.filter((t) => t.kind !== "intercept").sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
      for (const t of ranked.slice(0, 5)) terms.append(el("li", {}, t.term + " " + signed(t.contribution)));
      const sentences = (items, cls) => {
        const list = el("ul", { class: "sentences " + cls });
        for (const s of items) list.append(el("li", { "data-turn": s.turn_index }, "turn " + (s.turn_index + 1) + " (" + s.speaker + "): “" + s.sentence + "” " + signed(s.contribution)));
        if (!items.length) list.append(el("li", { class: "hint" }, "none"));
        return list;
      };
      box.append(
        el(
          "div",
          { class: "explanation", "data-target": e.target },
          el("h3", {}, e.target + ": " + number(e.prediction, 1) + " (interval " + number(e.interval_low, 1) + "–" + number(e.interval_high, 1) + ")"),
          el("p", {}, "Largest terms"),
          terms,
          el("p", {}, "Sentences that raise it"),
          sentences(e.raises, "raises"),
          el("p", {}, "Sentences that lower it"),
          sentences(e.lowers, "lowers")
        )
      );
    }
  }

  function renderForm(result) {
    const body = $("dimension-inputs").querySelector("tbody");
    body.replaceChildren();
    for (const name of Object.keys(result.dimensions)) {
      const score = el("input", { id: "dim-" + name, type: "number", min: 0, max: 100, step: "any", "aria-label": label(name) + " score" });
      const na = el("input", { id: "na-" + name, type: "checkbox", "aria-label": label(name) + " not applicable" });
      const dispute = el("input", { id: "dispute-" + name, type: "checkbox", "aria-label": "Dispute " + label(name) });
      na.addEventListener("change", () => {
        score.disabled = na.checked;
      });
      body.append(el("tr", {}, el("th", { scope: "row" }, label(name)), el("td", {}, score), el("td", {}, na), el("td", {}, dispute)));
    }
  }

  function renderReviews(reviews) {
    const list = $("reviews");
    list.replaceChildren();
    for (const r of reviews) addReview(r);
  }

  function addReview(r) {
    const rubric = r.rubric_score === null ? "no rubric score" : "rubric " + number(r.rubric_score, 0);
    const disputes = r.disputes.length ? " · disputes " + r.disputes.join(", ") : "";
    const comment = r.comment ? " · “" + r.comment + "”" : "";
    $("reviews").append(el("li", { "data-review-id": r.review_id }, r.reviewer_id + " · " + r.created_at + " · " + rubric + disputes + comment));
  }

  function render(view) {
    const result = view.result;
    evidence = result.evidence;
    const legend = $("legend");
    legend.replaceChildren("Highlights: ");
    for (const name of Object.keys(result.dimensions)) legend.append(el("mark", { class: "ev dim-" + name }, label(name)), " ");
    const note = $("text-note");
    note.hidden = !view.text_note;
    note.textContent = view.text_note ? "The conversation cannot be shown: " + view.text_note + "." : "";
    const turns = $("turns");
    turns.replaceChildren();
    for (const turn of view.turns) turns.append(renderTurn(turn));
    renderScores(result);
    renderExplanations(view.explanations);
    renderForm(result);
    renderReviews(view.reviews);
  }

  function reviewBody() {
    const body = { transcript_id: transcriptId, dimensions: {}, disputes: [] };
    const problems = [];
    const rubric = $("rubric-score").value.trim();
    if (rubric !== "") body.rubric_score = Number(rubric);
    for (const name of Object.keys(LABELS)) {
      const dispute = $("dispute-" + name);
      if (dispute && dispute.checked) body.disputes.push(name);
      const na = $("na-" + name);
      const score = $("dim-" + name);
      if (na && na.checked) body.dimensions[name] = "n/a";
      else if (score && score.value.trim() !== "") body.dimensions[name] = Number(score.value);
    }
    for (const [name, value] of Object.entries(body.dimensions).concat([["rubric_score", body.rubric_score]])) {
      if (value === undefined || value === "n/a") continue;
      if (!Number.isFinite(value) || value < 0 || value > 100) problems.push(label(name) + " must be a number from 0 to 100");
    }
    const comment = $("comment").value.trim();
    if (comment) body.comment = comment;
    if (!authRequired) {
      const reviewer = $("reviewer-id").value.trim();
      if (!reviewer) problems.push("Reviewer id is needed");
      body.reviewer_id = reviewer;
    }
    return { body: body, problems: problems };
  }

  async function submitReview(event) {
    event.preventDefault();
    const { body, problems } = reviewBody();
    const status = $("review-status");
    status.removeAttribute("data-review-id");
    if (problems.length) {
      status.textContent = problems.join("; ") + ".";
      return;
    }
    $("submit-review").disabled = true;
    status.textContent = "Sending…";
    try {
      const result = await request("POST", api("reviews"), body);
      if (result.status === 201) {
        status.textContent = "Review stored (" + result.body.review_id + ").";
        status.setAttribute("data-review-id", result.body.review_id);
        addReview(result.body);
      } else {
        status.textContent = "Not stored: " + detail(result);
      }
    } catch (err) {
      status.textContent = "Not stored: the service could not be reached.";
    } finally {
      $("submit-review").disabled = false;
    }
  }

  async function start() {
    $("call-id").textContent = transcriptId;
    takeKeyFromFragment();
    $("key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      window.sessionStorage.setItem(KEY_STORE, $("key").value.trim());
      $("key").value = "";
      load();
    });
    $("review-form").addEventListener("submit", submitReview);
    try {
      const health = await request("GET", api("health"));
      authRequired = !(health.body && health.body.auth === false);
    } catch (err) {
      setStatus("The service cannot be reached.");
      return;
    }
    $("reviewer-row").hidden = authRequired;
    if (authRequired && !currentKey()) {
      askForKey();
      return;
    }
    await load();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
