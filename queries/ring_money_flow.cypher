// Money flow between the members of one ring: transfers, chains and cycles
//
// The SENT relationships among the members of $ring_id, in three kinds of rows.
// "cycle": money that comes back to where it started, each account once, at most
// $max_cycle_length transfers (2 to 64). A cycle is listed once, from its smallest
// user_id: for each transfer b -> a into that smallest member, the shortest way a's
// money reaches b through members with larger ids, closed by that transfer. So every
// transfer back to a cycle's start gives at most one cycle (the shortest), and the
// work is one bounded breadth-first search per transfer, not an enumeration of all
// paths: a ring where everybody pays everybody still answers at once.
// "chain": money passed on through 2 to $max_cycle_length transfers from a member no
// member pays to a member that pays no member, the shortest such way for each pair.
// "transfer": each single transfer. Only members are crossed, never the rest of
// the graph. users lists the accounts in order (a cycle repeats its first), amounts
// the transfer totals; min_amount is the most that can have gone all the way
// through. Cycles first, then chains, then transfers; largest total first within a
// kind; at most $limit rows.
//
// Parameters:
//   $ring_id           STRING   the ring (must exist: ring) (required)
//   $max_cycle_length  INTEGER  longest cycle or chain reported, in transfers,
//                               at most 64 (default 16)
//   $limit             INTEGER  rows to return (default 200)
//
// Example:
//   graphrisk query ring_money_flow --param ring_id=R1
//   graphrisk query ring_money_flow --param ring_id=R1 --param max_cycle_length=8 --param limit=20
MATCH (:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(m:User)
WITH collect(m) AS members
CALL (members) {
  UNWIND members AS a
  MATCH (b:User)-[back:SENT]->(a)
  WHERE b IN members AND b.user_id > a.user_id
  // the search bound is a literal (Cypher takes no parameter there): 63 steps + the transfer back
  MATCH p = shortestPath((a)-[:SENT*1..63]->(b))
  WHERE all(n IN nodes(p) WHERE n IN members AND n.user_id >= a.user_id)
  // the length is checked after the search: a predicate it cannot check per step would
  // make Neo4j fall back to an exhaustive search
  WITH a, back, p
  WHERE length(p) + 1 <= coalesce($max_cycle_length, 16)
  RETURN 'cycle' AS kind, nodes(p) + [a] AS path_nodes, relationships(p) + [back] AS rels
  UNION ALL
  UNWIND members AS a
  WITH a, members
  WHERE NOT EXISTS { MATCH (x:User)-[:SENT]->(a) WHERE x IN members AND x <> a }
    AND EXISTS { MATCH (a)-[:SENT]->(y:User) WHERE y IN members AND y <> a }
  UNWIND members AS b
  WITH a, b, members
  WHERE b <> a AND NOT EXISTS { MATCH (b)-[:SENT]->(y:User) WHERE y IN members AND y <> b }
    AND EXISTS { MATCH (x:User)-[:SENT]->(b) WHERE x IN members AND x <> b }
  MATCH p = shortestPath((a)-[:SENT*1..64]->(b))
  WHERE all(n IN nodes(p) WHERE n IN members)
  WITH p
  WHERE 2 <= length(p) <= coalesce($max_cycle_length, 16)
  RETURN 'chain' AS kind, nodes(p) AS path_nodes, relationships(p) AS rels
  UNION ALL
  UNWIND members AS a
  MATCH (a)-[s:SENT]->(b:User)
  WHERE b IN members AND b <> a
  RETURN 'transfer' AS kind, [a, b] AS path_nodes, [s] AS rels
}
CALL (rels) {
  UNWIND rels AS r
  RETURN toFloat(sum(r.amount)) AS total_amount, toFloat(min(r.amount)) AS min_amount,
         min(r.first_seen) AS first_seen, max(r.last_seen) AS last_seen
}
RETURN kind, [n IN path_nodes | n.user_id] AS users, [r IN rels | r.amount] AS amounts, total_amount, min_amount,
       size(rels) AS hops, first_seen, last_seen
ORDER BY CASE kind WHEN 'cycle' THEN 0 WHEN 'chain' THEN 1 ELSE 2 END, total_amount DESC, users
LIMIT coalesce($limit, 200)
