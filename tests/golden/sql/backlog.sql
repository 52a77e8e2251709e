WITH "t4" AS (
  SELECT
    "t0"."ticket_id",
    "t0"."changed_at",
    "t0"."to_status",
    "t0"."from_status"
  FROM "status_changes" AS "t0"
), "t14" AS (
  SELECT
    "t9"."ticket_id",
    "t9"."changed_at",
    "t9"."to_status",
    "t9"."from_status",
    LEAD("t9"."changed_at") OVER (
      PARTITION BY "t9"."ticket_id"
      ORDER BY "t9"."changed_at" ASC, "t9"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS "_next",
    ROW_NUMBER() OVER (
      PARTITION BY "t9"."ticket_id"
      ORDER BY "t9"."changed_at" ASC, "t9"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) - 1 AS "_rn"
  FROM "t4" AS "t9"
)
SELECT
  "t49"."period_start",
  "t49"."_d_channel" AS "channel",
  "t49"."delta"
FROM (
  SELECT
    "t48"."period_start",
    "t48"."_d_channel",
    SUM("t48"."delta") AS "delta"
  FROM (
    SELECT
      "t47"."ticket_id",
      "t47"."instant",
      "t47"."delta",
      "t47"."channel",
      "t47"."category",
      "t47"."priority",
      "t47"."team",
      "t47"."agent_id",
      "t47"."brand",
      "t47"."product",
      "t47"."language",
      "t47"."customer_id",
      "t47"."status",
      "t47"."created_by",
      "t47"."channel" AS "_d_channel",
      CASE
        WHEN "t47"."instant" < MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
        THEN MAKE_DATE(2024, 1, 1)
        ELSE CAST(DATE_TRUNC(
          'MONTH',
          "t47"."instant" + TO_SECONDS(
            CAST(CASE
              WHEN "t47"."instant" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
              THEN 7200
              WHEN "t47"."instant" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
              THEN 10800
              WHEN "t47"."instant" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
              THEN 7200
              WHEN "t47"."instant" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
              THEN 10800
              WHEN "t47"."instant" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
              THEN 7200
              WHEN "t47"."instant" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
              THEN 10800
              ELSE 7200
            END AS BIGINT)
          )
        ) AS DATE)
      END AS "period_start"
    FROM (
      SELECT
        "t46"."ticket_id",
        "t46"."instant",
        "t46"."delta",
        "t42"."channel",
        "t42"."category",
        "t42"."priority",
        "t42"."team",
        "t42"."agent_id",
        "t42"."brand",
        "t42"."product",
        "t42"."language",
        "t42"."customer_id",
        "t42"."status",
        "t42"."created_by"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t39"."ticket_id",
              "t39"."created_at" AS "instant",
              1 AS "delta"
            FROM (
              SELECT
                "t38".*
                EXCLUDE ("ticket_id_right")
              FROM (
                SELECT
                  "t37"."ticket_id",
                  "t37"."created_at",
                  "t37"."channel",
                  "t37"."category",
                  "t37"."priority",
                  "t37"."team",
                  "t37"."agent_id",
                  "t37"."brand",
                  "t37"."product",
                  "t37"."language",
                  "t37"."customer_id",
                  "t37"."status",
                  "t37"."created_by",
                  "t37"."has_messages",
                  "t37"."has_status_changes",
                  "t37"."first_reply_at",
                  "t37"."replies",
                  "t37"."reply_agents",
                  "t37"."reopens",
                  "t37"."is_resolved",
                  "t37"."first_resolved_at",
                  "t37"."resolved_at",
                  "t37"."handle_seconds",
                  "t37"."next_contact_at",
                  "t36"."ticket_id" AS "ticket_id_right",
                  "t36"."requester_wait_s",
                  "t36"."agent_wait_s",
                  "t36"."on_hold_s"
                FROM (
                  SELECT
                    "t32"."ticket_id",
                    "t32"."created_at",
                    "t32"."channel",
                    "t32"."category",
                    "t32"."priority",
                    "t32"."team",
                    "t32"."agent_id",
                    "t32"."brand",
                    "t32"."product",
                    "t32"."language",
                    "t32"."customer_id",
                    "t32"."status",
                    "t32"."created_by",
                    "t32"."has_messages",
                    "t32"."has_status_changes",
                    "t32"."first_reply_at",
                    "t32"."replies",
                    "t32"."reply_agents",
                    "t32"."reopens",
                    "t32"."is_resolved",
                    "t32"."first_resolved_at",
                    "t32"."resolved_at",
                    "t32"."handle_seconds",
                    CASE
                      WHEN (
                        "t32"."customer_id" IS NOT NULL
                      ) AND (
                        "t32"."category" IS NOT NULL
                      )
                      THEN LEAD("t32"."created_at") OVER (
                        PARTITION BY "t32"."customer_id", "t32"."category"
                        ORDER BY "t32"."created_at" ASC, "t32"."ticket_id" ASC
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                      )
                      ELSE NULL
                    END AS "next_contact_at"
                  FROM (
                    SELECT
                      "t11"."ticket_id",
                      "t11"."created_at",
                      "t11"."channel",
                      "t11"."category",
                      "t11"."priority",
                      "t11"."team",
                      "t11"."agent_id",
                      "t11"."brand",
                      "t11"."product",
                      "t11"."language",
                      "t11"."customer_id",
                      "t11"."status",
                      "t11"."created_by",
                      "t29"."m_count" IS NOT NULL AS "has_messages",
                      "t25"."s_count" IS NOT NULL AS "has_status_changes",
                      CASE
                        WHEN "t29"."m_count" IS NOT NULL
                        THEN "t29"."m_first_reply_at"
                        ELSE "t11"."first_reply_at"
                      END AS "first_reply_at",
                      CASE
                        WHEN "t29"."m_count" IS NOT NULL
                        THEN "t29"."m_replies"
                        ELSE "t11"."replies"
                      END AS "replies",
                      CASE
                        WHEN "t29"."m_count" IS NOT NULL
                        THEN "t29"."m_reply_agents"
                        ELSE CASE
                          WHEN CASE
                            WHEN "t29"."m_count" IS NOT NULL
                            THEN "t29"."m_replies"
                            ELSE "t11"."replies"
                          END > 0
                          THEN 1
                          ELSE 0
                        END
                      END AS "reply_agents",
                      CASE
                        WHEN "t25"."s_count" IS NOT NULL
                        THEN "t25"."s_reopens"
                        ELSE COALESCE("t11"."reopens", 0)
                      END AS "reopens",
                      COALESCE(
                        CASE
                          WHEN "t25"."s_count" IS NOT NULL
                          THEN "t25"."s_current" IN ('solved', 'closed')
                          ELSE "t11"."status" IN ('solved', 'closed')
                          OR (
                            (
                              "t11"."status" IS NULL
                            ) AND (
                              "t11"."solved_at" IS NOT NULL
                            )
                          )
                        END,
                        FALSE
                      ) AS "is_resolved",
                      CASE
                        WHEN "t25"."s_count" IS NOT NULL
                        THEN "t25"."s_first_resolved_at"
                        ELSE "t11"."solved_at"
                      END AS "first_resolved_at",
                      CASE
                        WHEN COALESCE(
                          CASE
                            WHEN "t25"."s_count" IS NOT NULL
                            THEN "t25"."s_current" IN ('solved', 'closed')
                            ELSE "t11"."status" IN ('solved', 'closed')
                            OR (
                              (
                                "t11"."status" IS NULL
                              ) AND (
                                "t11"."solved_at" IS NOT NULL
                              )
                            )
                          END,
                          FALSE
                        )
                        THEN CASE
                          WHEN "t25"."s_count" IS NOT NULL
                          THEN "t25"."s_last_resolved_at"
                          ELSE "t11"."solved_at"
                        END
                        ELSE NULL
                      END AS "resolved_at",
                      COALESCE("t18"."w_handle", "t11"."handle_seconds") AS "handle_seconds"
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
                    ) AS "t11"
                    LEFT OUTER JOIN (
                      SELECT
                        "t22"."ticket_id",
                        COUNT(*) AS "m_count",
                        MIN("t22"."created_at") FILTER(WHERE
                          "t22"."is_reply") AS "m_first_reply_at",
                        SUM(CAST("t22"."is_reply" AS BIGINT)) AS "m_replies",
                        COUNT(DISTINCT "t22"."author_id") FILTER(WHERE
                          "t22"."is_reply") AS "m_reply_agents"
                      FROM (
                        SELECT
                          "t12"."message_id",
                          "t12"."ticket_id",
                          "t12"."created_at",
                          "t12"."author_type",
                          "t12"."author_id",
                          "t12"."public",
                          "t12"."channel",
                          "t12"."_rn",
                          (
                            "t12"."author_type" = 'agent'
                          )
                          AND "t12"."public"
                          AND NOT (
                            (
                              "t12"."_rn" = 0
                            )
                            AND (
                              (
                                "t12"."author_type" = 'agent'
                              ) AND "t12"."public"
                            )
                          ) AS "is_reply",
                          "t12"."author_type" = 'customer' AS "is_customer"
                        FROM (
                          SELECT
                            "t8"."message_id",
                            "t8"."ticket_id",
                            "t8"."created_at",
                            "t8"."author_type",
                            "t8"."author_id",
                            COALESCE("t8"."public", TRUE) AS "public",
                            "t8"."channel",
                            ROW_NUMBER() OVER (
                              PARTITION BY "t8"."ticket_id"
                              ORDER BY "t8"."created_at" ASC, "t8"."message_id" ASC
                              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                            ) - 1 AS "_rn"
                          FROM (
                            SELECT
                              "t3"."message_id",
                              "t3"."ticket_id",
                              "t3"."created_at",
                              "t3"."author_type",
                              "t3"."author_id",
                              "t3"."public",
                              "t3"."channel"
                            FROM "messages" AS "t3"
                          ) AS "t8"
                        ) AS "t12"
                      ) AS "t22"
                      GROUP BY
                        1
                    ) AS "t29"
                      ON "t11"."ticket_id" = "t29"."ticket_id"
                    LEFT OUTER JOIN (
                      SELECT
                        "t15"."ticket_id",
                        COUNT(*) AS "s_count",
                        MIN("t15"."changed_at") FILTER(WHERE
                          "t15"."to_status" IN ('solved', 'closed')) AS "s_first_resolved_at",
                        MAX("t15"."changed_at") FILTER(WHERE
                          "t15"."to_status" IN ('solved', 'closed')) AS "s_last_resolved_at",
                        ANY_VALUE("t15"."to_status") FILTER(WHERE
                          "t15"."_rn_desc" = 0) AS "s_current",
                        SUM(
                          CAST("t15"."_prev" IN ('solved', 'closed')
                          AND NOT (
                            "t15"."to_status" IN ('solved', 'closed')
                          ) AS BIGINT)
                        ) AS "s_reopens"
                      FROM (
                        SELECT
                          "t9"."ticket_id",
                          "t9"."changed_at",
                          "t9"."to_status",
                          "t9"."from_status",
                          COALESCE(
                            "t9"."from_status",
                            LAG("t9"."to_status") OVER (
                              PARTITION BY "t9"."ticket_id"
                              ORDER BY "t9"."changed_at" ASC, "t9"."to_status" ASC
                              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                            )
                          ) AS "_prev",
                          ROW_NUMBER() OVER (
                            PARTITION BY "t9"."ticket_id"
                            ORDER BY "t9"."changed_at" DESC, "t9"."to_status" DESC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                          ) - 1 AS "_rn_desc"
                        FROM "t4" AS "t9"
                      ) AS "t15"
                      GROUP BY
                        1
                    ) AS "t25"
                      ON "t11"."ticket_id" = "t25"."ticket_id"
                    LEFT OUTER JOIN (
                      SELECT
                        "t7"."ticket_id",
                        SUM(
                          COALESCE(
                            "t7"."seconds",
                            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                          )
                        ) AS "w_handle",
                        COUNT(
                          COALESCE(
                            "t7"."seconds",
                            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                          )
                        ) AS "w_sessions"
                      FROM (
                        SELECT
                          "t2"."ticket_id",
                          "t2"."agent_id",
                          "t2"."started_at",
                          "t2"."ended_at",
                          "t2"."seconds"
                        FROM "work_sessions" AS "t2"
                      ) AS "t7"
                      GROUP BY
                        1
                    ) AS "t18"
                      ON "t11"."ticket_id" = "t18"."ticket_id"
                  ) AS "t32"
                ) AS "t37"
                LEFT OUTER JOIN (
                  SELECT
                    "t33"."ticket_id",
                    SUM("t33"."span_s") FILTER(WHERE
                      "t33"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
                    SUM("t33"."span_s") FILTER(WHERE
                      "t33"."status" IN ('pending')) AS "agent_wait_s",
                    SUM("t33"."span_s") FILTER(WHERE
                      "t33"."status" IN ('on_hold')) AS "on_hold_s"
                  FROM (
                    SELECT
                      "t31"."ticket_id",
                      "t31"."status",
                      "t31"."span_start",
                      "t31"."span_end",
                      CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t31"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t31"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "span_s"
                    FROM (
                      SELECT
                        *
                      FROM (
                        SELECT
                          "t16"."ticket_id",
                          "t16"."to_status" AS "status",
                          "t16"."changed_at" AS "span_start",
                          "t16"."_next" AS "span_end"
                        FROM "t14" AS "t16"
                        WHERE
                          "t16"."_next" IS NOT NULL
                      ) AS "t19"
                      UNION ALL
                      SELECT
                        *
                      FROM (
                        SELECT
                          *
                        FROM (
                          SELECT
                            "t21"."ticket_id",
                            COALESCE("t21"."from_status", 'new') AS "status",
                            "t10"."created_at" AS "span_start",
                            "t21"."changed_at" AS "span_end"
                          FROM (
                            SELECT
                              *
                            FROM "t14" AS "t16"
                            WHERE
                              "t16"."_rn" = 0
                          ) AS "t21"
                          INNER JOIN (
                            SELECT
                              "t1"."ticket_id",
                              "t1"."created_at"
                            FROM "tickets" AS "t1"
                          ) AS "t10"
                            ON "t21"."ticket_id" = "t10"."ticket_id"
                        ) AS "t26"
                        WHERE
                          "t26"."span_end" > "t26"."span_start"
                      ) AS "t30"
                    ) AS "t31"
                  ) AS "t33"
                  GROUP BY
                    1
                ) AS "t36"
                  ON "t37"."ticket_id" = "t36"."ticket_id"
              ) AS "t38"
            ) AS "t39"
          ) AS "t41"
          UNION ALL
          SELECT
            *
          FROM (
            SELECT
              "t23"."ticket_id",
              "t23"."changed_at" AS "instant",
              CAST("t23"."delta" AS BIGINT) AS "delta"
            FROM (
              SELECT
                "t13"."ticket_id",
                "t13"."changed_at",
                "t13"."to_status",
                "t13"."from_status",
                "t13"."_prev",
                CASE
                  WHEN "t13"."to_status" IN ('solved', 'closed')
                  AND NOT (
                    (
                      "t13"."_prev" IS NOT NULL
                    ) AND "t13"."_prev" IN ('solved', 'closed')
                  )
                  THEN -1
                  WHEN NOT (
                    "t13"."to_status" IN ('solved', 'closed')
                  )
                  AND (
                    (
                      "t13"."_prev" IS NOT NULL
                    ) AND "t13"."_prev" IN ('solved', 'closed')
                  )
                  THEN 1
                  ELSE 0
                END AS "delta"
              FROM (
                SELECT
                  "t9"."ticket_id",
                  "t9"."changed_at",
                  "t9"."to_status",
                  "t9"."from_status",
                  COALESCE(
                    "t9"."from_status",
                    LAG("t9"."to_status") OVER (
                      PARTITION BY "t9"."ticket_id"
                      ORDER BY "t9"."changed_at" ASC, "t9"."to_status" ASC
                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                    )
                  ) AS "_prev"
                FROM "t4" AS "t9"
              ) AS "t13"
            ) AS "t23"
            WHERE
              "t23"."delta" <> 0
          ) AS "t27"
        ) AS "t43"
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            "t39"."ticket_id",
            "t39"."resolved_at" AS "instant",
            -1 AS "delta"
          FROM (
            SELECT
              "t38".*
              EXCLUDE ("ticket_id_right")
            FROM (
              SELECT
                "t37"."ticket_id",
                "t37"."created_at",
                "t37"."channel",
                "t37"."category",
                "t37"."priority",
                "t37"."team",
                "t37"."agent_id",
                "t37"."brand",
                "t37"."product",
                "t37"."language",
                "t37"."customer_id",
                "t37"."status",
                "t37"."created_by",
                "t37"."has_messages",
                "t37"."has_status_changes",
                "t37"."first_reply_at",
                "t37"."replies",
                "t37"."reply_agents",
                "t37"."reopens",
                "t37"."is_resolved",
                "t37"."first_resolved_at",
                "t37"."resolved_at",
                "t37"."handle_seconds",
                "t37"."next_contact_at",
                "t36"."ticket_id" AS "ticket_id_right",
                "t36"."requester_wait_s",
                "t36"."agent_wait_s",
                "t36"."on_hold_s"
              FROM (
                SELECT
                  "t32"."ticket_id",
                  "t32"."created_at",
                  "t32"."channel",
                  "t32"."category",
                  "t32"."priority",
                  "t32"."team",
                  "t32"."agent_id",
                  "t32"."brand",
                  "t32"."product",
                  "t32"."language",
                  "t32"."customer_id",
                  "t32"."status",
                  "t32"."created_by",
                  "t32"."has_messages",
                  "t32"."has_status_changes",
                  "t32"."first_reply_at",
                  "t32"."replies",
                  "t32"."reply_agents",
                  "t32"."reopens",
                  "t32"."is_resolved",
                  "t32"."first_resolved_at",
                  "t32"."resolved_at",
                  "t32"."handle_seconds",
                  CASE
                    WHEN (
                      "t32"."customer_id" IS NOT NULL
                    ) AND (
                      "t32"."category" IS NOT NULL
                    )
                    THEN LEAD("t32"."created_at") OVER (
                      PARTITION BY "t32"."customer_id", "t32"."category"
                      ORDER BY "t32"."created_at" ASC, "t32"."ticket_id" ASC
                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                    )
                    ELSE NULL
                  END AS "next_contact_at"
                FROM (
                  SELECT
                    "t11"."ticket_id",
                    "t11"."created_at",
                    "t11"."channel",
                    "t11"."category",
                    "t11"."priority",
                    "t11"."team",
                    "t11"."agent_id",
                    "t11"."brand",
                    "t11"."product",
                    "t11"."language",
                    "t11"."customer_id",
                    "t11"."status",
                    "t11"."created_by",
                    "t29"."m_count" IS NOT NULL AS "has_messages",
                    "t25"."s_count" IS NOT NULL AS "has_status_changes",
                    CASE
                      WHEN "t29"."m_count" IS NOT NULL
                      THEN "t29"."m_first_reply_at"
                      ELSE "t11"."first_reply_at"
                    END AS "first_reply_at",
                    CASE
                      WHEN "t29"."m_count" IS NOT NULL
                      THEN "t29"."m_replies"
                      ELSE "t11"."replies"
                    END AS "replies",
                    CASE
                      WHEN "t29"."m_count" IS NOT NULL
                      THEN "t29"."m_reply_agents"
                      ELSE CASE
                        WHEN CASE
                          WHEN "t29"."m_count" IS NOT NULL
                          THEN "t29"."m_replies"
                          ELSE "t11"."replies"
                        END > 0
                        THEN 1
                        ELSE 0
                      END
                    END AS "reply_agents",
                    CASE
                      WHEN "t25"."s_count" IS NOT NULL
                      THEN "t25"."s_reopens"
                      ELSE COALESCE("t11"."reopens", 0)
                    END AS "reopens",
                    COALESCE(
                      CASE
                        WHEN "t25"."s_count" IS NOT NULL
                        THEN "t25"."s_current" IN ('solved', 'closed')
                        ELSE "t11"."status" IN ('solved', 'closed')
                        OR (
                          (
                            "t11"."status" IS NULL
                          ) AND (
                            "t11"."solved_at" IS NOT NULL
                          )
                        )
                      END,
                      FALSE
                    ) AS "is_resolved",
                    CASE
                      WHEN "t25"."s_count" IS NOT NULL
                      THEN "t25"."s_first_resolved_at"
                      ELSE "t11"."solved_at"
                    END AS "first_resolved_at",
                    CASE
                      WHEN COALESCE(
                        CASE
                          WHEN "t25"."s_count" IS NOT NULL
                          THEN "t25"."s_current" IN ('solved', 'closed')
                          ELSE "t11"."status" IN ('solved', 'closed')
                          OR (
                            (
                              "t11"."status" IS NULL
                            ) AND (
                              "t11"."solved_at" IS NOT NULL
                            )
                          )
                        END,
                        FALSE
                      )
                      THEN CASE
                        WHEN "t25"."s_count" IS NOT NULL
                        THEN "t25"."s_last_resolved_at"
                        ELSE "t11"."solved_at"
                      END
                      ELSE NULL
                    END AS "resolved_at",
                    COALESCE("t18"."w_handle", "t11"."handle_seconds") AS "handle_seconds"
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
                  ) AS "t11"
                  LEFT OUTER JOIN (
                    SELECT
                      "t22"."ticket_id",
                      COUNT(*) AS "m_count",
                      MIN("t22"."created_at") FILTER(WHERE
                        "t22"."is_reply") AS "m_first_reply_at",
                      SUM(CAST("t22"."is_reply" AS BIGINT)) AS "m_replies",
                      COUNT(DISTINCT "t22"."author_id") FILTER(WHERE
                        "t22"."is_reply") AS "m_reply_agents"
                    FROM (
                      SELECT
                        "t12"."message_id",
                        "t12"."ticket_id",
                        "t12"."created_at",
                        "t12"."author_type",
                        "t12"."author_id",
                        "t12"."public",
                        "t12"."channel",
                        "t12"."_rn",
                        (
                          "t12"."author_type" = 'agent'
                        )
                        AND "t12"."public"
                        AND NOT (
                          (
                            "t12"."_rn" = 0
                          )
                          AND (
                            (
                              "t12"."author_type" = 'agent'
                            ) AND "t12"."public"
                          )
                        ) AS "is_reply",
                        "t12"."author_type" = 'customer' AS "is_customer"
                      FROM (
                        SELECT
                          "t8"."message_id",
                          "t8"."ticket_id",
                          "t8"."created_at",
                          "t8"."author_type",
                          "t8"."author_id",
                          COALESCE("t8"."public", TRUE) AS "public",
                          "t8"."channel",
                          ROW_NUMBER() OVER (
                            PARTITION BY "t8"."ticket_id"
                            ORDER BY "t8"."created_at" ASC, "t8"."message_id" ASC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                          ) - 1 AS "_rn"
                        FROM (
                          SELECT
                            "t3"."message_id",
                            "t3"."ticket_id",
                            "t3"."created_at",
                            "t3"."author_type",
                            "t3"."author_id",
                            "t3"."public",
                            "t3"."channel"
                          FROM "messages" AS "t3"
                        ) AS "t8"
                      ) AS "t12"
                    ) AS "t22"
                    GROUP BY
                      1
                  ) AS "t29"
                    ON "t11"."ticket_id" = "t29"."ticket_id"
                  LEFT OUTER JOIN (
                    SELECT
                      "t15"."ticket_id",
                      COUNT(*) AS "s_count",
                      MIN("t15"."changed_at") FILTER(WHERE
                        "t15"."to_status" IN ('solved', 'closed')) AS "s_first_resolved_at",
                      MAX("t15"."changed_at") FILTER(WHERE
                        "t15"."to_status" IN ('solved', 'closed')) AS "s_last_resolved_at",
                      ANY_VALUE("t15"."to_status") FILTER(WHERE
                        "t15"."_rn_desc" = 0) AS "s_current",
                      SUM(
                        CAST("t15"."_prev" IN ('solved', 'closed')
                        AND NOT (
                          "t15"."to_status" IN ('solved', 'closed')
                        ) AS BIGINT)
                      ) AS "s_reopens"
                    FROM (
                      SELECT
                        "t9"."ticket_id",
                        "t9"."changed_at",
                        "t9"."to_status",
                        "t9"."from_status",
                        COALESCE(
                          "t9"."from_status",
                          LAG("t9"."to_status") OVER (
                            PARTITION BY "t9"."ticket_id"
                            ORDER BY "t9"."changed_at" ASC, "t9"."to_status" ASC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                          )
                        ) AS "_prev",
                        ROW_NUMBER() OVER (
                          PARTITION BY "t9"."ticket_id"
                          ORDER BY "t9"."changed_at" DESC, "t9"."to_status" DESC
                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                        ) - 1 AS "_rn_desc"
                      FROM "t4" AS "t9"
                    ) AS "t15"
                    GROUP BY
                      1
                  ) AS "t25"
                    ON "t11"."ticket_id" = "t25"."ticket_id"
                  LEFT OUTER JOIN (
                    SELECT
                      "t7"."ticket_id",
                      SUM(
                        COALESCE(
                          "t7"."seconds",
                          CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                        )
                      ) AS "w_handle",
                      COUNT(
                        COALESCE(
                          "t7"."seconds",
                          CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                        )
                      ) AS "w_sessions"
                    FROM (
                      SELECT
                        "t2"."ticket_id",
                        "t2"."agent_id",
                        "t2"."started_at",
                        "t2"."ended_at",
                        "t2"."seconds"
                      FROM "work_sessions" AS "t2"
                    ) AS "t7"
                    GROUP BY
                      1
                  ) AS "t18"
                    ON "t11"."ticket_id" = "t18"."ticket_id"
                ) AS "t32"
              ) AS "t37"
              LEFT OUTER JOIN (
                SELECT
                  "t33"."ticket_id",
                  SUM("t33"."span_s") FILTER(WHERE
                    "t33"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
                  SUM("t33"."span_s") FILTER(WHERE
                    "t33"."status" IN ('pending')) AS "agent_wait_s",
                  SUM("t33"."span_s") FILTER(WHERE
                    "t33"."status" IN ('on_hold')) AS "on_hold_s"
                FROM (
                  SELECT
                    "t31"."ticket_id",
                    "t31"."status",
                    "t31"."span_start",
                    "t31"."span_end",
                    CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t31"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t31"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "span_s"
                  FROM (
                    SELECT
                      *
                    FROM (
                      SELECT
                        "t16"."ticket_id",
                        "t16"."to_status" AS "status",
                        "t16"."changed_at" AS "span_start",
                        "t16"."_next" AS "span_end"
                      FROM "t14" AS "t16"
                      WHERE
                        "t16"."_next" IS NOT NULL
                    ) AS "t19"
                    UNION ALL
                    SELECT
                      *
                    FROM (
                      SELECT
                        *
                      FROM (
                        SELECT
                          "t21"."ticket_id",
                          COALESCE("t21"."from_status", 'new') AS "status",
                          "t10"."created_at" AS "span_start",
                          "t21"."changed_at" AS "span_end"
                        FROM (
                          SELECT
                            *
                          FROM "t14" AS "t16"
                          WHERE
                            "t16"."_rn" = 0
                        ) AS "t21"
                        INNER JOIN (
                          SELECT
                            "t1"."ticket_id",
                            "t1"."created_at"
                          FROM "tickets" AS "t1"
                        ) AS "t10"
                          ON "t21"."ticket_id" = "t10"."ticket_id"
                      ) AS "t26"
                      WHERE
                        "t26"."span_end" > "t26"."span_start"
                    ) AS "t30"
                  ) AS "t31"
                ) AS "t33"
                GROUP BY
                  1
              ) AS "t36"
                ON "t37"."ticket_id" = "t36"."ticket_id"
            ) AS "t38"
          ) AS "t39"
          WHERE
            NOT (
              "t39"."has_status_changes"
            )
            AND "t39"."is_resolved"
            AND "t39"."resolved_at" IS NOT NULL
        ) AS "t44"
      ) AS "t46"
      INNER JOIN (
        SELECT
          "t39"."ticket_id",
          "t39"."channel",
          "t39"."category",
          "t39"."priority",
          "t39"."team",
          "t39"."agent_id",
          "t39"."brand",
          "t39"."product",
          "t39"."language",
          "t39"."customer_id",
          "t39"."status",
          "t39"."created_by"
        FROM (
          SELECT
            "t38".*
            EXCLUDE ("ticket_id_right")
          FROM (
            SELECT
              "t37"."ticket_id",
              "t37"."created_at",
              "t37"."channel",
              "t37"."category",
              "t37"."priority",
              "t37"."team",
              "t37"."agent_id",
              "t37"."brand",
              "t37"."product",
              "t37"."language",
              "t37"."customer_id",
              "t37"."status",
              "t37"."created_by",
              "t37"."has_messages",
              "t37"."has_status_changes",
              "t37"."first_reply_at",
              "t37"."replies",
              "t37"."reply_agents",
              "t37"."reopens",
              "t37"."is_resolved",
              "t37"."first_resolved_at",
              "t37"."resolved_at",
              "t37"."handle_seconds",
              "t37"."next_contact_at",
              "t36"."ticket_id" AS "ticket_id_right",
              "t36"."requester_wait_s",
              "t36"."agent_wait_s",
              "t36"."on_hold_s"
            FROM (
              SELECT
                "t32"."ticket_id",
                "t32"."created_at",
                "t32"."channel",
                "t32"."category",
                "t32"."priority",
                "t32"."team",
                "t32"."agent_id",
                "t32"."brand",
                "t32"."product",
                "t32"."language",
                "t32"."customer_id",
                "t32"."status",
                "t32"."created_by",
                "t32"."has_messages",
                "t32"."has_status_changes",
                "t32"."first_reply_at",
                "t32"."replies",
                "t32"."reply_agents",
                "t32"."reopens",
                "t32"."is_resolved",
                "t32"."first_resolved_at",
                "t32"."resolved_at",
                "t32"."handle_seconds",
                CASE
                  WHEN (
                    "t32"."customer_id" IS NOT NULL
                  ) AND (
                    "t32"."category" IS NOT NULL
                  )
                  THEN LEAD("t32"."created_at") OVER (
                    PARTITION BY "t32"."customer_id", "t32"."category"
                    ORDER BY "t32"."created_at" ASC, "t32"."ticket_id" ASC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                  )
                  ELSE NULL
                END AS "next_contact_at"
              FROM (
                SELECT
                  "t11"."ticket_id",
                  "t11"."created_at",
                  "t11"."channel",
                  "t11"."category",
                  "t11"."priority",
                  "t11"."team",
                  "t11"."agent_id",
                  "t11"."brand",
                  "t11"."product",
                  "t11"."language",
                  "t11"."customer_id",
                  "t11"."status",
                  "t11"."created_by",
                  "t29"."m_count" IS NOT NULL AS "has_messages",
                  "t25"."s_count" IS NOT NULL AS "has_status_changes",
                  CASE
                    WHEN "t29"."m_count" IS NOT NULL
                    THEN "t29"."m_first_reply_at"
                    ELSE "t11"."first_reply_at"
                  END AS "first_reply_at",
                  CASE
                    WHEN "t29"."m_count" IS NOT NULL
                    THEN "t29"."m_replies"
                    ELSE "t11"."replies"
                  END AS "replies",
                  CASE
                    WHEN "t29"."m_count" IS NOT NULL
                    THEN "t29"."m_reply_agents"
                    ELSE CASE
                      WHEN CASE
                        WHEN "t29"."m_count" IS NOT NULL
                        THEN "t29"."m_replies"
                        ELSE "t11"."replies"
                      END > 0
                      THEN 1
                      ELSE 0
                    END
                  END AS "reply_agents",
                  CASE
                    WHEN "t25"."s_count" IS NOT NULL
                    THEN "t25"."s_reopens"
                    ELSE COALESCE("t11"."reopens", 0)
                  END AS "reopens",
                  COALESCE(
                    CASE
                      WHEN "t25"."s_count" IS NOT NULL
                      THEN "t25"."s_current" IN ('solved', 'closed')
                      ELSE "t11"."status" IN ('solved', 'closed')
                      OR (
                        (
                          "t11"."status" IS NULL
                        ) AND (
                          "t11"."solved_at" IS NOT NULL
                        )
                      )
                    END,
                    FALSE
                  ) AS "is_resolved",
                  CASE
                    WHEN "t25"."s_count" IS NOT NULL
                    THEN "t25"."s_first_resolved_at"
                    ELSE "t11"."solved_at"
                  END AS "first_resolved_at",
                  CASE
                    WHEN COALESCE(
                      CASE
                        WHEN "t25"."s_count" IS NOT NULL
                        THEN "t25"."s_current" IN ('solved', 'closed')
                        ELSE "t11"."status" IN ('solved', 'closed')
                        OR (
                          (
                            "t11"."status" IS NULL
                          ) AND (
                            "t11"."solved_at" IS NOT NULL
                          )
                        )
                      END,
                      FALSE
                    )
                    THEN CASE
                      WHEN "t25"."s_count" IS NOT NULL
                      THEN "t25"."s_last_resolved_at"
                      ELSE "t11"."solved_at"
                    END
                    ELSE NULL
                  END AS "resolved_at",
                  COALESCE("t18"."w_handle", "t11"."handle_seconds") AS "handle_seconds"
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
                ) AS "t11"
                LEFT OUTER JOIN (
                  SELECT
                    "t22"."ticket_id",
                    COUNT(*) AS "m_count",
                    MIN("t22"."created_at") FILTER(WHERE
                      "t22"."is_reply") AS "m_first_reply_at",
                    SUM(CAST("t22"."is_reply" AS BIGINT)) AS "m_replies",
                    COUNT(DISTINCT "t22"."author_id") FILTER(WHERE
                      "t22"."is_reply") AS "m_reply_agents"
                  FROM (
                    SELECT
                      "t12"."message_id",
                      "t12"."ticket_id",
                      "t12"."created_at",
                      "t12"."author_type",
                      "t12"."author_id",
                      "t12"."public",
                      "t12"."channel",
                      "t12"."_rn",
                      (
                        "t12"."author_type" = 'agent'
                      )
                      AND "t12"."public"
                      AND NOT (
                        (
                          "t12"."_rn" = 0
                        )
                        AND (
                          (
                            "t12"."author_type" = 'agent'
                          ) AND "t12"."public"
                        )
                      ) AS "is_reply",
                      "t12"."author_type" = 'customer' AS "is_customer"
                    FROM (
                      SELECT
                        "t8"."message_id",
                        "t8"."ticket_id",
                        "t8"."created_at",
                        "t8"."author_type",
                        "t8"."author_id",
                        COALESCE("t8"."public", TRUE) AS "public",
                        "t8"."channel",
                        ROW_NUMBER() OVER (
                          PARTITION BY "t8"."ticket_id"
                          ORDER BY "t8"."created_at" ASC, "t8"."message_id" ASC
                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                        ) - 1 AS "_rn"
                      FROM (
                        SELECT
                          "t3"."message_id",
                          "t3"."ticket_id",
                          "t3"."created_at",
                          "t3"."author_type",
                          "t3"."author_id",
                          "t3"."public",
                          "t3"."channel"
                        FROM "messages" AS "t3"
                      ) AS "t8"
                    ) AS "t12"
                  ) AS "t22"
                  GROUP BY
                    1
                ) AS "t29"
                  ON "t11"."ticket_id" = "t29"."ticket_id"
                LEFT OUTER JOIN (
                  SELECT
                    "t15"."ticket_id",
                    COUNT(*) AS "s_count",
                    MIN("t15"."changed_at") FILTER(WHERE
                      "t15"."to_status" IN ('solved', 'closed')) AS "s_first_resolved_at",
                    MAX("t15"."changed_at") FILTER(WHERE
                      "t15"."to_status" IN ('solved', 'closed')) AS "s_last_resolved_at",
                    ANY_VALUE("t15"."to_status") FILTER(WHERE
                      "t15"."_rn_desc" = 0) AS "s_current",
                    SUM(
                      CAST("t15"."_prev" IN ('solved', 'closed')
                      AND NOT (
                        "t15"."to_status" IN ('solved', 'closed')
                      ) AS BIGINT)
                    ) AS "s_reopens"
                  FROM (
                    SELECT
                      "t9"."ticket_id",
                      "t9"."changed_at",
                      "t9"."to_status",
                      "t9"."from_status",
                      COALESCE(
                        "t9"."from_status",
                        LAG("t9"."to_status") OVER (
                          PARTITION BY "t9"."ticket_id"
                          ORDER BY "t9"."changed_at" ASC, "t9"."to_status" ASC
                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                        )
                      ) AS "_prev",
                      ROW_NUMBER() OVER (
                        PARTITION BY "t9"."ticket_id"
                        ORDER BY "t9"."changed_at" DESC, "t9"."to_status" DESC
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                      ) - 1 AS "_rn_desc"
                    FROM "t4" AS "t9"
                  ) AS "t15"
                  GROUP BY
                    1
                ) AS "t25"
                  ON "t11"."ticket_id" = "t25"."ticket_id"
                LEFT OUTER JOIN (
                  SELECT
                    "t7"."ticket_id",
                    SUM(
                      COALESCE(
                        "t7"."seconds",
                        CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                      )
                    ) AS "w_handle",
                    COUNT(
                      COALESCE(
                        "t7"."seconds",
                        CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                      )
                    ) AS "w_sessions"
                  FROM (
                    SELECT
                      "t2"."ticket_id",
                      "t2"."agent_id",
                      "t2"."started_at",
                      "t2"."ended_at",
                      "t2"."seconds"
                    FROM "work_sessions" AS "t2"
                  ) AS "t7"
                  GROUP BY
                    1
                ) AS "t18"
                  ON "t11"."ticket_id" = "t18"."ticket_id"
              ) AS "t32"
            ) AS "t37"
            LEFT OUTER JOIN (
              SELECT
                "t33"."ticket_id",
                SUM("t33"."span_s") FILTER(WHERE
                  "t33"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
                SUM("t33"."span_s") FILTER(WHERE
                  "t33"."status" IN ('pending')) AS "agent_wait_s",
                SUM("t33"."span_s") FILTER(WHERE
                  "t33"."status" IN ('on_hold')) AS "on_hold_s"
              FROM (
                SELECT
                  "t31"."ticket_id",
                  "t31"."status",
                  "t31"."span_start",
                  "t31"."span_end",
                  CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t31"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t31"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "span_s"
                FROM (
                  SELECT
                    *
                  FROM (
                    SELECT
                      "t16"."ticket_id",
                      "t16"."to_status" AS "status",
                      "t16"."changed_at" AS "span_start",
                      "t16"."_next" AS "span_end"
                    FROM "t14" AS "t16"
                    WHERE
                      "t16"."_next" IS NOT NULL
                  ) AS "t19"
                  UNION ALL
                  SELECT
                    *
                  FROM (
                    SELECT
                      *
                    FROM (
                      SELECT
                        "t21"."ticket_id",
                        COALESCE("t21"."from_status", 'new') AS "status",
                        "t10"."created_at" AS "span_start",
                        "t21"."changed_at" AS "span_end"
                      FROM (
                        SELECT
                          *
                        FROM "t14" AS "t16"
                        WHERE
                          "t16"."_rn" = 0
                      ) AS "t21"
                      INNER JOIN (
                        SELECT
                          "t1"."ticket_id",
                          "t1"."created_at"
                        FROM "tickets" AS "t1"
                      ) AS "t10"
                        ON "t21"."ticket_id" = "t10"."ticket_id"
                    ) AS "t26"
                    WHERE
                      "t26"."span_end" > "t26"."span_start"
                  ) AS "t30"
                ) AS "t31"
              ) AS "t33"
              GROUP BY
                1
            ) AS "t36"
              ON "t37"."ticket_id" = "t36"."ticket_id"
          ) AS "t38"
        ) AS "t39"
      ) AS "t42"
        ON "t46"."ticket_id" = "t42"."ticket_id"
    ) AS "t47"
    WHERE
      "t47"."instant" IS NOT NULL
      AND "t47"."instant" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
  ) AS "t48"
  GROUP BY
    1,
    2
) AS "t49"
