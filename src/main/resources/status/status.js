// Rotor's status page: polls status.json once a second and draws it. Every value goes into the page as text
// (textContent, attribute values), never as markup: task ids and error messages come from outside.
"use strict";

const REFRESH_MS = 1000;
const SVG = "http://www.w3.org/2000/svg";

function cell(text, className) {
  const td = document.createElement("td");
  if (className) {
    td.className = className;
  }
  td.textContent = text === null || text === undefined ? "" : String(text);
  return td;
}

function number(value) {
  return cell(value === null || value === undefined ? "–" : value.toLocaleString("en"), "n");
}

function usd(value) {
  return cell(value === null || value === undefined ? "–" : value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 6 : 2), "n");
}

function clock(iso) {
  return iso ? new Date(iso).toLocaleTimeString("en-GB") : "";
}

function until(iso, now) {
  if (!iso) {
    return "";
  }
  const seconds = Math.max(0, Math.round((Date.parse(iso) - Date.parse(now)) / 1000));
  return clock(iso) + " (in " + seconds + " s)";
}

function fill(tableId, rows, emptyText, columns) {
  const body = document.querySelector("#" + tableId + " tbody");
  const lines = rows.map(row => {
    const tr = document.createElement("tr");
    columns(row).forEach(td => tr.appendChild(td));
    return tr;
  });
  if (lines.length === 0) {
    const tr = document.createElement("tr");
    const td = cell(emptyText, "empty");
    td.colSpan = document.querySelectorAll("#" + tableId + " thead th").length;
    tr.appendChild(td);
    lines.push(tr);
  }
  body.replaceChildren(...lines);
}

function stateCell(model) {
  const td = document.createElement("td");
  const badge = document.createElement("span");
  badge.className = "state state-" + model.state.replace(/[^a-z]+/g, "-");
  badge.textContent = model.state;
  td.appendChild(badge);
  return td;
}

// one unit of x a second, the newest at the right edge (x = 600: ten minutes wide)
function line(values, max, className) {
  const path = document.createElementNS(SVG, "polyline");
  const first = 600 - values.length;
  const points = values.map((v, i) => (first + i + 1) + "," + (118 - (v / max) * 112).toFixed(1));
  path.setAttribute("points", points.join(" "));
  path.setAttribute("class", className);
  return path;
}

function drawChart(chart) {
  const svg = document.getElementById("chart");
  const max = Math.max(1, ...chart.completed, ...chart.rate_limited);
  svg.replaceChildren(line(chart.completed, max, "completed"), line(chart.rate_limited, max, "limited"));
  document.getElementById("chart-peak").textContent = "peak " + max + " / s over " + chart.completed.length + " s";
}

function render(status) {
  document.getElementById("summary").textContent = status.completed.toLocaleString("en") + " completed"
      + (status.cached ? " (" + status.cached.toLocaleString("en") + " from the cache)" : "") + ", "
      + status.dead_lettered.toLocaleString("en") + " dead-lettered · limit state: " + status.state_store
      + (status.state_degraded ? " (degraded: Redis out of reach, pacing on this process's own view)" : "");
  fill("models", status.models, "no models", m => [
    cell(m.id), stateCell(m), cell(until(m.until, status.now)), cell(m.why, "why"), number(m.requests), number(m.ok),
    number(m.rate_limited), number(m.other_failures), number(m.answers_rejected), number(m.p50_ms), number(m.p95_ms), number(m.tokens),
    cell(m.limit || "none known"), cell(m.limit_source), cell(m.token_limit || "none known"),
    number(m.tokens_available), number(m.tokens_reserved), usd(m.spend_usd)]);
  fill("budgets", status.budgets, "no budgets", b => [
    cell(b.scope), cell(b.window), usd(b.budget_usd), usd(b.spent_usd), usd(b.left_usd), cell(until(b.resets_at, status.now))]);
  fill("transports", status.transports, "no transports", t => [
    cell(t.name), number(t.in_flight), number(t.waiting), number(t.parked_per_minute), number(t.completed_per_minute),
    number(t.dead_lettered_per_minute)]);
  fill("rotations", status.rotations, "no rotations yet", r => [
    cell(clock(r.at)), cell(r.task), cell(r.from), cell(r.to), cell(r.reason, "reason")]);
  fill("dead-letters", status.dead_letters, "no dead letters", d => [
    cell(clock(d.at)), cell(d.task), cell(d.model), cell(d.reason, "reason")]);
  drawChart(status.chart);
}

async function refresh() {
  const connection = document.getElementById("connection");
  try {
    const response = await fetch("status.json", {cache: "no-store"});
    if (!response.ok) {
      throw new Error("HTTP " + response.status);
    }
    render(await response.json());
    connection.textContent = "updated " + new Date().toLocaleTimeString("en-GB");
    connection.className = "connection";
  } catch (e) {
    connection.textContent = "Rotor does not answer (" + e.message + "): showing the last data";
    connection.className = "connection lost";
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();
