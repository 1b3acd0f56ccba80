// The activity of one account over time: what it used, paid, sent and received
//
// One row per counterpart of $user_id, in the order they first appear in the data:
// the kind of activity ("used" an identifier, "paid" a merchant, "sent" to or
// "received" from an account), the counterpart named like "merchant:m1", the amount
// and number of transactions, and the first and last dates. The graph keeps one
// relationship per account and counterpart, so this is the account's timeline per
// counterpart (with --keep-transactions loads, the Transaction nodes hold each
// payment). No row: no such account, or no activity.
//
// Parameters:
//   $user_id  STRING   the account (must exist: user) (required)
//   $limit    INTEGER  rows to return (default 500)
//
// Example:
//   graphrisk query account_timeline --param user_id=u5
MATCH (u:User {user_id: $user_id})-[r:USED|PAID|SENT]-(o)
WITH u, r, o, toLower(labels(o)[0]) AS kind,
     coalesce(o.user_id, o.merchant_id, o.device_id, o.card_id, o.ip_id, o.email_id, o.phone_id, o.address_id) AS key
RETURN CASE WHEN type(r) = 'SENT' AND endNode(r) = u THEN 'received' ELSE toLower(type(r)) END AS activity,
       kind + ':' + key AS counterpart, o.risk_score AS counterpart_risk, r.amount AS amount, r.count AS count,
       r.first_seen AS first_seen, r.last_seen AS last_seen
ORDER BY first_seen, activity, counterpart
LIMIT coalesce($limit, 500)
