// graphrisk console: the interactive drawing of one ring (cytoscape, vendored by the build).
// Reads the ring_graph query's row from <script id="ring-graph-data">; a click on a node
// fetches its neighbours from /api/neighbours and adds them; a second click on an account opens it.
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("ring-graph-data").textContent || "{}");
  var container = document.getElementById("ring-graph");
  var selection = document.getElementById("graph-selection");
  var SHAPES = { merchant: "round-rectangle", device: "diamond", card: "hexagon", ip: "triangle",
                 email: "tag", phone: "vee", address: "star" };
  var COLOURS = { merchant: "#6a4c93", device: "#1982c4", card: "#8ac926", ip: "#ff924c",
                  email: "#52a675", phone: "#c5ca30", address: "#4267ac" };

  function riskColour(risk) {
    if (risk === null || risk === undefined) { return "#9aa5b1"; }
    return risk >= 0.8 ? "#d62828" : risk >= 0.5 ? "#f4a259" : "#4caf50";
  }
  function day(text) { return text ? String(text).slice(0, 10) : "?"; }
  function money(amount) {
    return amount === null || amount === undefined ? "" : Number(amount).toLocaleString(undefined, { maximumFractionDigits: 2 });
  }
  function nodeData(n) {
    var label = n.kind === "user" ? n.key : n.kind + ":" + n.key;
    return { data: { id: n.id, kind: n.kind, key: n.key, label: label, risk: n.risk,
                     colour: n.kind === "user" ? riskColour(n.risk) : (COLOURS[n.kind] || "#9aa5b1"),
                     shape: n.kind === "user" ? "ellipse" : (SHAPES[n.kind] || "ellipse") } };
  }
  function edgeData(e) {
    var label = e.kind === "sent" ? money(e.amount) + " · " + day(e.first_seen) + (day(e.last_seen) !== day(e.first_seen) ? "–" + day(e.last_seen) : "")
                                  : (e.kind === "paid" ? money(e.amount) : "");
    return { data: { id: e.kind + "|" + e.source + "|" + e.target, source: e.source, target: e.target,
                     kind: e.kind, label: label, amount: e.amount } };
  }

  var elements = [];
  (data.members || []).concat(data.entities || []).forEach(function (n) { elements.push(nodeData(n)); });
  (data.edges || []).forEach(function (e) { elements.push(edgeData(e)); });

  var cy = cytoscape({
    container: container,
    elements: elements,
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: { "background-color": "data(colour)", shape: "data(shape)", label: "data(label)",
        "font-size": 12, "text-valign": "bottom", "text-margin-y": 4, color: "#1d232a", width: 26, height: 26,
        "text-background-color": "#ffffff", "text-background-opacity": 0.8, "text-background-padding": 1 } },
      { selector: "node[kind = 'user']", style: { width: 32, height: 32, "border-width": 2, "border-color": "#1d2b3a" } },
      { selector: "node.expanded", style: { "border-style": "double", "border-width": 4 } },
      { selector: "node:selected", style: { "overlay-color": "#0b5cad", "overlay-opacity": 0.25 } },
      { selector: "edge", style: { width: 1.5, "line-color": "#b8c0c8", "curve-style": "bezier", label: "data(label)",
        "font-size": 11, color: "#4a5561", "text-rotation": "autorotate", "text-background-color": "#ffffff",
        "text-background-opacity": 0.85 } },
      { selector: "edge[kind = 'sent']", style: { width: 3, "line-color": "#d62828", "target-arrow-color": "#d62828",
        "target-arrow-shape": "triangle", color: "#a4161a" } },
      { selector: "edge[kind = 'paid']", style: { "line-style": "dashed", "line-color": "#6a4c93" } }
    ],
    layout: { name: "cose", animate: false, padding: 30, nodeRepulsion: 9000 }
  });
  window.graphriskCy = cy;  // for tests and for the curious

  function show(node) {
    var d = node.data();
    selection.textContent = "";
    var text = document.createElement("span");
    text.textContent = d.kind + " " + d.key + (d.risk !== null && d.risk !== undefined ? " · risk " + Number(d.risk).toFixed(3) : "") + " ";
    selection.appendChild(text);
    if (d.kind === "user") {
      var link = document.createElement("a");
      link.href = "/accounts/" + encodeURIComponent(d.key);
      link.textContent = "open the account";
      link.id = "open-selected-account";
      selection.appendChild(link);
    }
  }

  function expand(node) {
    var d = node.data();
    var url = "/api/neighbours?kind=" + encodeURIComponent(d.kind) + "&key=" + encodeURIComponent(d.key);
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("the console answered " + r.status); }
      return r.json();
    }).then(function (reply) {
      var added = [];
      (reply.rows || []).forEach(function (row) {
        if (cy.getElementById(row.id).empty()) {
          added.push(nodeData({ id: row.id, kind: row.kind, key: row.key, risk: row.risk }));
        }
        var source = row.direction === "out" ? d.id : row.id;
        var target = row.direction === "out" ? row.id : d.id;
        var edge = edgeData({ kind: row.tie, source: source, target: target, amount: row.amount,
                              first_seen: row.first_seen, last_seen: row.last_seen });
        if (cy.getElementById(edge.data.id).empty()) { added.push(edge); }
      });
      node.addClass("expanded");
      if (added.length) {
        cy.add(added);
        cy.layout({ name: "cose", animate: false, padding: 30, nodeRepulsion: 9000 }).run();
      }
      container.setAttribute("data-expanded", String(cy.nodes(".expanded").length));
    }).catch(function (error) {
      var note = document.createElement("span");
      note.className = "error";
      note.textContent = "could not expand " + d.kind + " " + d.key + ": " + error.message;
      selection.appendChild(note);
    });
  }

  cy.on("tap", "node", function (event) {
    var node = event.target;
    show(node);
    if (node.hasClass("expanded")) {
      if (node.data("kind") === "user") { window.location.href = "/accounts/" + encodeURIComponent(node.data("key")); }
      return;
    }
    expand(node);
  });
  container.setAttribute("data-ready", "true");
})();
