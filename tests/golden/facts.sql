-- The facts derived from the canonical tables and stored in the DuckDB file after an import
-- (cxmetrics.facts.tickets.base_facts, Store.refresh_facts). Metrics read them (tests/golden/sql).

-- _fact_messages (a temporary table during the refresh)
SELECT
  "t2"."message_id",
  "t2"."ticket_id",
  "t2"."created_at",
  "t2"."author_type",
  "t2"."author_id",
  "t2"."public",
  "t2"."channel",
  "t2"."_rn",
  "t2"."_ap" AND NOT (
    (
      "t2"."_rn" = 0
    ) AND "t2"."_ap"
  ) AS "is_reply",
  "t2"."author_type" = 'customer' AS "is_customer",
  "t2"."_ap_upto" - CAST("t2"."_ap" AS BIGINT) AS "_turn"
FROM (
  SELECT
    "t1"."message_id",
    "t1"."ticket_id",
    "t1"."created_at",
    "t1"."author_type",
    "t1"."author_id",
    COALESCE("t1"."public", TRUE) AS "public",
    "t1"."channel",
    ROW_NUMBER() OVER (
      PARTITION BY "t1"."ticket_id"
      ORDER BY "t1"."created_at" ASC, "t1"."message_id" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) - 1 AS "_rn",
    (
      "t1"."author_type" = 'agent'
    ) AND COALESCE("t1"."public", TRUE) AS "_ap",
    SUM(
      CAST((
        "t1"."author_type" = 'agent'
      ) AND COALESCE("t1"."public", TRUE) AS BIGINT)
    ) OVER (
      PARTITION BY "t1"."ticket_id"
      ORDER BY "t1"."created_at" ASC, "t1"."message_id" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "_ap_upto"
  FROM (
    SELECT
      "t0"."message_id",
      "t0"."ticket_id",
      "t0"."created_at",
      "t0"."author_type",
      "t0"."author_id",
      "t0"."public",
      "t0"."channel"
    FROM "messages" AS "t0"
  ) AS "t1"
) AS "t2";

-- _fact_statuses (a temporary table during the refresh)
SELECT
  "t1"."ticket_id",
  "t1"."changed_at",
  "t1"."to_status",
  "t1"."from_status",
  COALESCE(
    "t1"."from_status",
    LAG("t1"."to_status") OVER (
      PARTITION BY "t1"."ticket_id"
      ORDER BY "t1"."changed_at" ASC, "t1"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    )
  ) AS "_prev",
  LEAD("t1"."changed_at") OVER (
    PARTITION BY "t1"."ticket_id"
    ORDER BY "t1"."changed_at" ASC, "t1"."to_status" ASC
    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
  ) AS "_next",
  ROW_NUMBER() OVER (
    PARTITION BY "t1"."ticket_id"
    ORDER BY "t1"."changed_at" ASC, "t1"."to_status" ASC
    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
  ) - 1 AS "_rn",
  COUNT(*) OVER (
    PARTITION BY "t1"."ticket_id"
    ORDER BY "t1"."changed_at" ASC, "t1"."to_status" ASC
    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
  ) AS "_n"
FROM (
  SELECT
    "t0"."ticket_id",
    "t0"."changed_at",
    "t0"."to_status",
    "t0"."from_status"
  FROM "status_changes" AS "t0"
) AS "t1";

-- _fact_spans (stored)
SELECT
  *
FROM (
  SELECT
    "t0"."ticket_id",
    "t0"."to_status" AS "status",
    "t0"."changed_at" AS "span_start",
    "t0"."_next" AS "span_end"
  FROM "_fact_statuses" AS "t0"
  WHERE
    "t0"."_next" IS NOT NULL
) AS "t3"
UNION ALL
SELECT
  *
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t6"."ticket_id",
      COALESCE("t6"."from_status", 'new') AS "status",
      "t5"."created_at" AS "span_start",
      "t6"."changed_at" AS "span_end"
    FROM (
      SELECT
        *
      FROM "_fact_statuses" AS "t0"
      WHERE
        "t0"."_rn" = 0
    ) AS "t6"
    INNER JOIN (
      SELECT
        "t1"."ticket_id",
        "t1"."created_at"
      FROM "tickets" AS "t1"
    ) AS "t5"
      ON "t6"."ticket_id" = "t5"."ticket_id"
  ) AS "t7"
  WHERE
    "t7"."span_end" > "t7"."span_start"
) AS "t8";

-- _fact_tickets (stored)
SELECT
  "t21"."ticket_id",
  "t21"."created_at",
  "t21"."channel",
  "t21"."category",
  "t21"."priority",
  "t21"."team",
  "t21"."agent_id",
  "t21"."brand",
  "t21"."product",
  "t21"."language",
  "t21"."customer_id",
  "t21"."status",
  "t21"."created_by",
  "t21"."has_messages",
  "t21"."has_status_changes",
  "t21"."first_reply_at",
  "t21"."replies",
  "t21"."reply_agents",
  "t21"."reopens",
  "t21"."is_resolved",
  "t21"."first_resolved_at",
  "t21"."resolved_at",
  "t21"."handle_seconds",
  "t21"."next_contact_at",
  CASE
    WHEN "t21"."has_status_changes"
    THEN COALESCE("t21"."requester_wait_s", 0.0)
    ELSE NULL
  END AS "requester_wait_s",
  CASE
    WHEN "t21"."has_status_changes"
    THEN COALESCE("t21"."agent_wait_s", 0.0)
    ELSE NULL
  END AS "agent_wait_s",
  CASE
    WHEN "t21"."has_status_changes"
    THEN COALESCE("t21"."on_hold_s", 0.0)
    ELSE NULL
  END AS "on_hold_s"
FROM (
  SELECT
    "t20".*
    EXCLUDE ("ticket_id_right")
  FROM (
    SELECT
      "t19"."ticket_id",
      "t19"."created_at",
      "t19"."channel",
      "t19"."category",
      "t19"."priority",
      "t19"."team",
      "t19"."agent_id",
      "t19"."brand",
      "t19"."product",
      "t19"."language",
      "t19"."customer_id",
      "t19"."status",
      "t19"."created_by",
      "t19"."has_messages",
      "t19"."has_status_changes",
      "t19"."first_reply_at",
      "t19"."replies",
      "t19"."reply_agents",
      "t19"."reopens",
      "t19"."is_resolved",
      "t19"."first_resolved_at",
      "t19"."resolved_at",
      "t19"."handle_seconds",
      "t19"."next_contact_at",
      "t15"."ticket_id" AS "ticket_id_right",
      "t15"."requester_wait_s",
      "t15"."agent_wait_s",
      "t15"."on_hold_s"
    FROM (
      SELECT
        "t17"."ticket_id",
        "t17"."created_at",
        "t17"."channel",
        "t17"."category",
        "t17"."priority",
        "t17"."team",
        "t17"."agent_id",
        "t17"."brand",
        "t17"."product",
        "t17"."language",
        "t17"."customer_id",
        "t17"."status",
        "t17"."created_by",
        "t17"."has_messages",
        "t17"."has_status_changes",
        "t17"."first_reply_at",
        "t17"."replies",
        "t17"."reply_agents",
        "t17"."reopens",
        "t17"."is_resolved",
        "t17"."first_resolved_at",
        "t17"."resolved_at",
        "t17"."handle_seconds",
        CASE
          WHEN (
            "t17"."customer_id" IS NOT NULL
          ) AND (
            "t17"."category" IS NOT NULL
          )
          THEN LEAD("t17"."created_at") OVER (
            PARTITION BY "t17"."customer_id", "t17"."category"
            ORDER BY "t17"."created_at" ASC, "t17"."ticket_id" ASC
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
          )
          ELSE NULL
        END AS "next_contact_at"
      FROM (
        SELECT
          "t7"."ticket_id",
          "t7"."created_at",
          "t7"."channel",
          "t7"."category",
          "t7"."priority",
          "t7"."team",
          "t7"."agent_id",
          "t7"."brand",
          "t7"."product",
          "t7"."language",
          "t7"."customer_id",
          "t7"."status",
          "t7"."created_by",
          "t9"."m_count" IS NOT NULL AS "has_messages",
          "t12"."s_count" IS NOT NULL AS "has_status_changes",
          CASE
            WHEN "t9"."m_count" IS NOT NULL
            THEN "t9"."m_first_reply_at"
            ELSE "t7"."first_reply_at"
          END AS "first_reply_at",
          CASE WHEN "t9"."m_count" IS NOT NULL THEN "t9"."m_replies" ELSE "t7"."replies" END AS "replies",
          CASE
            WHEN "t9"."m_count" IS NOT NULL
            THEN "t9"."m_reply_agents"
            ELSE CASE
              WHEN CASE WHEN "t9"."m_count" IS NOT NULL THEN "t9"."m_replies" ELSE "t7"."replies" END > 0
              THEN 1
              ELSE 0
            END
          END AS "reply_agents",
          CASE
            WHEN "t12"."s_count" IS NOT NULL
            THEN "t12"."s_reopens"
            ELSE COALESCE("t7"."reopens", 0)
          END AS "reopens",
          COALESCE(
            CASE
              WHEN "t12"."s_count" IS NOT NULL
              THEN "t12"."s_current" IN ('solved', 'closed')
              ELSE "t7"."status" IN ('solved', 'closed')
              OR (
                (
                  "t7"."status" IS NULL
                ) AND (
                  "t7"."solved_at" IS NOT NULL
                )
              )
            END,
            FALSE
          ) AS "is_resolved",
          CASE
            WHEN "t12"."s_count" IS NOT NULL
            THEN "t12"."s_first_resolved_at"
            ELSE "t7"."solved_at"
          END AS "first_resolved_at",
          CASE
            WHEN COALESCE(
              CASE
                WHEN "t12"."s_count" IS NOT NULL
                THEN "t12"."s_current" IN ('solved', 'closed')
                ELSE "t7"."status" IN ('solved', 'closed')
                OR (
                  (
                    "t7"."status" IS NULL
                  ) AND (
                    "t7"."solved_at" IS NOT NULL
                  )
                )
              END,
              FALSE
            )
            THEN CASE
              WHEN "t12"."s_count" IS NOT NULL
              THEN "t12"."s_last_resolved_at"
              ELSE "t7"."solved_at"
            END
            ELSE NULL
          END AS "resolved_at",
          COALESCE("t16"."w_handle", "t7"."handle_seconds") AS "handle_seconds"
        FROM (
          SELECT
            "t1"."ticket_id",
            "t1"."created_at",
            "t1"."channel",
            "t1"."category",
            "t1"."priority",
            "t1"."status",
            "t1"."customer_id",
            "t1"."agent_id",
            "t1"."team",
            "t1"."brand",
            "t1"."product",
            "t1"."language",
            "t1"."created_by",
            "t1"."first_reply_at",
            "t1"."solved_at",
            "t1"."reopens",
            "t1"."replies",
            "t1"."handle_seconds",
            "t1"."satisfaction"
          FROM "tickets" AS "t1"
        ) AS "t7"
        LEFT OUTER JOIN (
          SELECT
            "t2"."ticket_id",
            COUNT(*) AS "m_count",
            MIN("t2"."created_at") FILTER(WHERE
              "t2"."is_reply") AS "m_first_reply_at",
            SUM(CAST("t2"."is_reply" AS BIGINT)) AS "m_replies",
            COUNT(DISTINCT "t2"."author_id") FILTER(WHERE
              "t2"."is_reply") AS "m_reply_agents"
          FROM "_fact_messages" AS "t2"
          GROUP BY
            1
        ) AS "t9"
          ON "t7"."ticket_id" = "t9"."ticket_id"
        LEFT OUTER JOIN (
          SELECT
            "t3"."ticket_id",
            COUNT(*) AS "s_count",
            MIN("t3"."changed_at") FILTER(WHERE
              "t3"."to_status" IN ('solved', 'closed')) AS "s_first_resolved_at",
            MAX("t3"."changed_at") FILTER(WHERE
              "t3"."to_status" IN ('solved', 'closed')) AS "s_last_resolved_at",
            ANY_VALUE("t3"."to_status") FILTER(WHERE
              "t3"."_rn" = (
                "t3"."_n" - 1
              )) AS "s_current",
            SUM(
              CAST("t3"."_prev" IN ('solved', 'closed')
              AND NOT (
                "t3"."to_status" IN ('solved', 'closed')
              ) AS BIGINT)
            ) AS "s_reopens"
          FROM "_fact_statuses" AS "t3"
          GROUP BY
            1
        ) AS "t12"
          ON "t7"."ticket_id" = "t12"."ticket_id"
        LEFT OUTER JOIN (
          SELECT
            "t6"."ticket_id",
            SUM(
              COALESCE(
                "t6"."seconds",
                CAST(CAST(FLOOR(EPOCH(CAST("t6"."ended_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t6"."started_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE)
              )
            ) AS "w_handle",
            COUNT(
              COALESCE(
                "t6"."seconds",
                CAST(CAST(FLOOR(EPOCH(CAST("t6"."ended_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t6"."started_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE)
              )
            ) AS "w_sessions"
          FROM (
            SELECT
              "t4"."ticket_id",
              "t4"."agent_id",
              "t4"."started_at",
              "t4"."ended_at",
              "t4"."seconds"
            FROM "work_sessions" AS "t4"
          ) AS "t6"
          GROUP BY
            1
        ) AS "t16"
          ON "t7"."ticket_id" = "t16"."ticket_id"
      ) AS "t17"
    ) AS "t19"
    LEFT OUTER JOIN (
      SELECT
        "t10"."ticket_id",
        SUM("t10"."span_s") FILTER(WHERE
          "t10"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
        SUM("t10"."span_s") FILTER(WHERE
          "t10"."status" IN ('pending')) AS "agent_wait_s",
        SUM("t10"."span_s") FILTER(WHERE
          "t10"."status" IN ('on_hold')) AS "on_hold_s"
      FROM (
        SELECT
          "t0"."ticket_id",
          "t0"."status",
          "t0"."span_start",
          "t0"."span_end",
          CAST(CAST(FLOOR(EPOCH(CAST("t0"."span_end" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."span_start" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "span_s"
        FROM "_fact_spans" AS "t0"
      ) AS "t10"
      GROUP BY
        1
    ) AS "t15"
      ON "t19"."ticket_id" = "t15"."ticket_id"
  ) AS "t20"
) AS "t21";

-- _fact_waits (stored)
SELECT
  "t9"."ticket_id",
  "t9"."wait_start",
  "t9"."reply_at",
  "t3"."channel",
  "t3"."category",
  "t3"."priority",
  "t3"."team",
  "t3"."agent_id",
  "t3"."brand",
  "t3"."product",
  "t3"."language",
  "t3"."customer_id",
  "t3"."status",
  "t3"."created_by"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t6"."ticket_id",
      "t6"."wait_start",
      "t6"."reply_at"
    FROM (
      SELECT
        "t4"."ticket_id",
        "t4"."_turn",
        MIN("t4"."created_at") FILTER(WHERE
          "t4"."is_customer") AS "wait_start",
        MIN("t4"."created_at") FILTER(WHERE
          "t4"."is_reply") AS "reply_at"
      FROM (
        SELECT
          *
        FROM "_fact_messages" AS "t1"
        WHERE
          "t1"."is_customer" OR "t1"."is_reply"
      ) AS "t4"
      GROUP BY
        1,
        2
    ) AS "t6"
    WHERE
      "t6"."wait_start" IS NOT NULL AND "t6"."reply_at" IS NOT NULL
  ) AS "t7"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t0"."ticket_id",
      "t0"."created_at" AS "wait_start",
      "t0"."first_reply_at" AS "reply_at"
    FROM "_fact_tickets" AS "t0"
    WHERE
      NOT (
        "t0"."has_messages"
      )
      AND "t0"."first_reply_at" IS NOT NULL
      AND (
        (
          "t0"."created_by" IS NULL
        ) OR (
          "t0"."created_by" <> 'agent'
        )
      )
  ) AS "t5"
) AS "t9"
INNER JOIN (
  SELECT
    "t0"."ticket_id",
    "t0"."channel",
    "t0"."category",
    "t0"."priority",
    "t0"."team",
    "t0"."agent_id",
    "t0"."brand",
    "t0"."product",
    "t0"."language",
    "t0"."customer_id",
    "t0"."status",
    "t0"."created_by"
  FROM "_fact_tickets" AS "t0"
) AS "t3"
  ON "t9"."ticket_id" = "t3"."ticket_id";

-- _fact_events (stored)
SELECT
  "t10"."ticket_id",
  "t10"."instant",
  "t10"."delta",
  "t4"."channel",
  "t4"."category",
  "t4"."priority",
  "t4"."team",
  "t4"."agent_id",
  "t4"."brand",
  "t4"."product",
  "t4"."language",
  "t4"."customer_id",
  "t4"."status",
  "t4"."created_by"
FROM (
  SELECT
    *
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t0"."ticket_id",
        "t0"."created_at" AS "instant",
        1 AS "delta"
      FROM "_fact_tickets" AS "t0"
    ) AS "t3"
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        "t6"."ticket_id",
        "t6"."changed_at" AS "instant",
        CAST("t6"."delta" AS BIGINT) AS "delta"
      FROM (
        SELECT
          "t1"."ticket_id",
          "t1"."changed_at",
          "t1"."to_status",
          "t1"."from_status",
          "t1"."_prev",
          "t1"."_next",
          "t1"."_rn",
          "t1"."_n",
          CASE
            WHEN "t1"."to_status" IN ('solved', 'closed')
            AND NOT (
              (
                "t1"."_prev" IS NOT NULL
              ) AND "t1"."_prev" IN ('solved', 'closed')
            )
            THEN -1
            WHEN NOT (
              "t1"."to_status" IN ('solved', 'closed')
            )
            AND (
              (
                "t1"."_prev" IS NOT NULL
              ) AND "t1"."_prev" IN ('solved', 'closed')
            )
            THEN 1
            ELSE 0
          END AS "delta"
        FROM "_fact_statuses" AS "t1"
      ) AS "t6"
      WHERE
        "t6"."delta" <> 0
    ) AS "t7"
  ) AS "t8"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t0"."ticket_id",
      "t0"."resolved_at" AS "instant",
      -1 AS "delta"
    FROM "_fact_tickets" AS "t0"
    WHERE
      NOT (
        "t0"."has_status_changes"
      )
      AND "t0"."is_resolved"
      AND "t0"."resolved_at" IS NOT NULL
  ) AS "t5"
) AS "t10"
INNER JOIN (
  SELECT
    "t0"."ticket_id",
    "t0"."channel",
    "t0"."category",
    "t0"."priority",
    "t0"."team",
    "t0"."agent_id",
    "t0"."brand",
    "t0"."product",
    "t0"."language",
    "t0"."customer_id",
    "t0"."status",
    "t0"."created_by"
  FROM "_fact_tickets" AS "t0"
) AS "t4"
  ON "t10"."ticket_id" = "t4"."ticket_id";
