// The drawing of one ring: its members, what ties them, and the money between them
//
// One row for $ring_id with three lists, as the console draws them. members: each
// member (risk, flag, verdict). entities: each identifier two or more members used
// and each merchant two or more members paid, named like "device:d1" (one used or
// paid by more than $max_hub accounts in all is an honest hub and is left out).
// edges: "used" and "paid" from a member to those entities, and "sent" between
// members, each with its amount, transaction count, and first and last dates.
//
// Parameters:
//   $ring_id  STRING   the ring (must exist: ring) (required)
//   $max_hub  INTEGER  leave out entities with more accounts than this (default 50)
//
// Example:
//   graphrisk query ring_graph --param ring_id=R1 --format json
MATCH (ring:Ring {ring_id: $ring_id})
CALL (ring) {
  OPTIONAL MATCH (m:User)-[:MEMBER_OF]->(ring)
  WITH m ORDER BY m.user_id
  RETURN collect(m) AS members
}
CALL (members) {
  UNWIND members AS m
  MATCH (m)-[r:USED|PAID]->(x)
  WITH x, collect([m.user_id, type(r), r.amount, r.count, r.first_seen, r.last_seen]) AS ties
  WHERE size(ties) >= 2 AND COUNT { (x)<-[:USED|PAID]-(:User) } <= coalesce($max_hub, 50)
  WITH x, ties, toLower(labels(x)[0]) AS kind,
       coalesce(x.merchant_id, x.device_id, x.card_id, x.ip_id, x.email_id, x.phone_id, x.address_id) AS key
  UNWIND ties AS tie
  WITH kind, key, x, ties, tie ORDER BY kind, key, tie[0]
  RETURN collect(DISTINCT {id: kind + ':' + key, kind: kind, key: key, members: size(ties), risk: x.risk_score})
           AS entities,
         collect({source: 'user:' + tie[0], target: kind + ':' + key, kind: toLower(tie[1]), amount: tie[2],
                  count: tie[3], first_seen: tie[4], last_seen: tie[5]}) AS ties
}
CALL (members) {
  UNWIND members AS a
  MATCH (a)-[s:SENT]->(b:User)
  WHERE b IN members
  WITH a, b, s ORDER BY a.user_id, b.user_id
  RETURN collect({source: 'user:' + a.user_id, target: 'user:' + b.user_id, kind: 'sent', amount: s.amount,
                  count: s.count, first_seen: s.first_seen, last_seen: s.last_seen}) AS transfers
}
RETURN ring.ring_id AS ring_id,
       [m IN members | {id: 'user:' + m.user_id, kind: 'user', key: m.user_id, risk: m.risk_score,
                        flagged: m.flagged, verdict: m.verdict}] AS members,
       entities, ties + transfers AS edges
