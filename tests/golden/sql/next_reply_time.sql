WITH "t7" AS (
  SELECT
    "t2"."ticket_id",
    "t2"."changed_at",
    "t2"."to_status",
    "t2"."from_status"
  FROM "status_changes" AS "t2"
), "t13" AS (
  SELECT
    "t11"."ticket_id",
    "t11"."changed_at",
    "t11"."to_status",
    "t11"."from_status",
    LEAD("t11"."changed_at") OVER (
      PARTITION BY "t11"."ticket_id"
      ORDER BY "t11"."changed_at" ASC, "t11"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS "_next",
    ROW_NUMBER() OVER (
      PARTITION BY "t11"."ticket_id"
      ORDER BY "t11"."changed_at" ASC, "t11"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) - 1 AS "_rn"
  FROM "t7" AS "t11"
), "t21" AS (
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
), "t37" AS (
  SELECT
    "t33"."ticket_id",
    "t33"."created_at",
    "t33"."channel",
    "t33"."category",
    "t33"."priority",
    "t33"."team",
    "t33"."agent_id",
    "t33"."brand",
    "t33"."product",
    "t33"."language",
    "t33"."customer_id",
    "t33"."status",
    "t33"."created_by",
    "t33"."has_messages",
    "t33"."has_status_changes",
    "t33"."first_reply_at",
    "t33"."replies",
    "t33"."reply_agents",
    "t33"."reopens",
    "t33"."is_resolved",
    "t33"."first_resolved_at",
    "t33"."resolved_at",
    "t33"."handle_seconds",
    CASE
      WHEN (
        "t33"."customer_id" IS NOT NULL
      ) AND (
        "t33"."category" IS NOT NULL
      )
      THEN LEAD("t33"."created_at") OVER (
        PARTITION BY "t33"."customer_id", "t33"."category"
        ORDER BY "t33"."created_at" ASC, "t33"."ticket_id" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      )
      ELSE NULL
    END AS "next_contact_at"
  FROM (
    SELECT
      "t10"."ticket_id",
      "t10"."created_at",
      "t10"."channel",
      "t10"."category",
      "t10"."priority",
      "t10"."team",
      "t10"."agent_id",
      "t10"."brand",
      "t10"."product",
      "t10"."language",
      "t10"."customer_id",
      "t10"."status",
      "t10"."created_by",
      "t29"."m_count" IS NOT NULL AS "has_messages",
      "t24"."s_count" IS NOT NULL AS "has_status_changes",
      CASE
        WHEN "t29"."m_count" IS NOT NULL
        THEN "t29"."m_first_reply_at"
        ELSE "t10"."first_reply_at"
      END AS "first_reply_at",
      CASE
        WHEN "t29"."m_count" IS NOT NULL
        THEN "t29"."m_replies"
        ELSE "t10"."replies"
      END AS "replies",
      CASE
        WHEN "t29"."m_count" IS NOT NULL
        THEN "t29"."m_reply_agents"
        ELSE CASE
          WHEN CASE
            WHEN "t29"."m_count" IS NOT NULL
            THEN "t29"."m_replies"
            ELSE "t10"."replies"
          END > 0
          THEN 1
          ELSE 0
        END
      END AS "reply_agents",
      CASE
        WHEN "t24"."s_count" IS NOT NULL
        THEN "t24"."s_reopens"
        ELSE COALESCE("t10"."reopens", 0)
      END AS "reopens",
      COALESCE(
        CASE
          WHEN "t24"."s_count" IS NOT NULL
          THEN "t24"."s_current" IN ('solved', 'closed')
          ELSE "t10"."status" IN ('solved', 'closed')
          OR (
            (
              "t10"."status" IS NULL
            ) AND (
              "t10"."solved_at" IS NOT NULL
            )
          )
        END,
        FALSE
      ) AS "is_resolved",
      CASE
        WHEN "t24"."s_count" IS NOT NULL
        THEN "t24"."s_first_resolved_at"
        ELSE "t10"."solved_at"
      END AS "first_resolved_at",
      CASE
        WHEN COALESCE(
          CASE
            WHEN "t24"."s_count" IS NOT NULL
            THEN "t24"."s_current" IN ('solved', 'closed')
            ELSE "t10"."status" IN ('solved', 'closed')
            OR (
              (
                "t10"."status" IS NULL
              ) AND (
                "t10"."solved_at" IS NOT NULL
              )
            )
          END,
          FALSE
        )
        THEN CASE
          WHEN "t24"."s_count" IS NOT NULL
          THEN "t24"."s_last_resolved_at"
          ELSE "t10"."solved_at"
        END
        ELSE NULL
      END AS "resolved_at",
      COALESCE("t17"."w_handle", "t10"."handle_seconds") AS "handle_seconds"
    FROM (
      SELECT
        "t0"."ticket_id",
        "t0"."created_at",
        "t0"."channel",
        "t0"."category",
        "t0"."priority",
        "t0"."status",
        "t0"."customer_id",
        "t0"."agent_id",
        "t0"."team",
        "t0"."brand",
        "t0"."product",
        "t0"."language",
        "t0"."created_by",
        "t0"."first_reply_at",
        "t0"."solved_at",
        "t0"."reopens",
        "t0"."replies",
        "t0"."handle_seconds",
        "t0"."satisfaction"
      FROM "tickets" AS "t0"
    ) AS "t10"
    LEFT OUTER JOIN (
      SELECT
        "t23"."ticket_id",
        COUNT(*) AS "m_count",
        MIN("t23"."created_at") FILTER(WHERE
          "t23"."is_reply") AS "m_first_reply_at",
        SUM(CAST("t23"."is_reply" AS BIGINT)) AS "m_replies",
        COUNT(DISTINCT "t23"."author_id") FILTER(WHERE
          "t23"."is_reply") AS "m_reply_agents"
      FROM "t21" AS "t23"
      GROUP BY
        1
    ) AS "t29"
      ON "t10"."ticket_id" = "t29"."ticket_id"
    LEFT OUTER JOIN (
      SELECT
        "t14"."ticket_id",
        COUNT(*) AS "s_count",
        MIN("t14"."changed_at") FILTER(WHERE
          "t14"."to_status" IN ('solved', 'closed')) AS "s_first_resolved_at",
        MAX("t14"."changed_at") FILTER(WHERE
          "t14"."to_status" IN ('solved', 'closed')) AS "s_last_resolved_at",
        ANY_VALUE("t14"."to_status") FILTER(WHERE
          "t14"."_rn_desc" = 0) AS "s_current",
        SUM(
          CAST("t14"."_prev" IN ('solved', 'closed')
          AND NOT (
            "t14"."to_status" IN ('solved', 'closed')
          ) AS BIGINT)
        ) AS "s_reopens"
      FROM (
        SELECT
          "t11"."ticket_id",
          "t11"."changed_at",
          "t11"."to_status",
          "t11"."from_status",
          COALESCE(
            "t11"."from_status",
            LAG("t11"."to_status") OVER (
              PARTITION BY "t11"."ticket_id"
              ORDER BY "t11"."changed_at" ASC, "t11"."to_status" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            )
          ) AS "_prev",
          ROW_NUMBER() OVER (
            PARTITION BY "t11"."ticket_id"
            ORDER BY "t11"."changed_at" DESC, "t11"."to_status" DESC
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
          ) - 1 AS "_rn_desc"
        FROM "t7" AS "t11"
      ) AS "t14"
      GROUP BY
        1
    ) AS "t24"
      ON "t10"."ticket_id" = "t24"."ticket_id"
    LEFT OUTER JOIN (
      SELECT
        "t6"."ticket_id",
        SUM(
          COALESCE(
            "t6"."seconds",
            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t6"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t6"."started_at") AS TIMESTAMP)) AS DOUBLE)
          )
        ) AS "w_handle",
        COUNT(
          COALESCE(
            "t6"."seconds",
            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t6"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t6"."started_at") AS TIMESTAMP)) AS DOUBLE)
          )
        ) AS "w_sessions"
      FROM (
        SELECT
          "t1"."ticket_id",
          "t1"."agent_id",
          "t1"."started_at",
          "t1"."ended_at",
          "t1"."seconds"
        FROM "work_sessions" AS "t1"
      ) AS "t6"
      GROUP BY
        1
    ) AS "t17"
      ON "t10"."ticket_id" = "t17"."ticket_id"
  ) AS "t33"
)
SELECT
  "t61"."period_start",
  "t61"."_d_channel" AS "channel",
  "t61"."n",
  "t61"."mean",
  "t61"."median",
  "t61"."p90",
  "t61"."std"
FROM (
  SELECT
    "t60"."period_start",
    "t60"."_d_channel",
    COUNT("t60"."wait_s") FILTER(WHERE
      NOT (
        "t60"."is_first"
      ) AND (
        "t60"."wait_s" IS NOT NULL
      )) AS "n",
    AVG("t60"."wait_s") FILTER(WHERE
      NOT (
        "t60"."is_first"
      ) AND (
        "t60"."wait_s" IS NOT NULL
      )) AS "mean",
    QUANTILE_CONT("t60"."wait_s", 0.5) FILTER(WHERE
      NOT (
        "t60"."is_first"
      ) AND (
        "t60"."wait_s" IS NOT NULL
      )) AS "median",
    QUANTILE_CONT("t60"."wait_s", 0.9) FILTER(WHERE
      NOT (
        "t60"."is_first"
      ) AND (
        "t60"."wait_s" IS NOT NULL
      )) AS "p90",
    STDDEV_SAMP("t60"."wait_s") FILTER(WHERE
      NOT (
        "t60"."is_first"
      ) AND (
        "t60"."wait_s" IS NOT NULL
      )) AS "std"
  FROM (
    SELECT
      "t59"."ticket_id",
      "t59"."wait_start",
      "t59"."reply_at",
      "t59"."channel",
      "t59"."category",
      "t59"."priority",
      "t59"."team",
      "t59"."agent_id",
      "t59"."brand",
      "t59"."product",
      "t59"."language",
      "t59"."customer_id",
      "t59"."status",
      "t59"."created_by",
      "t59"."wait_s",
      "t59"."is_first",
      "t59"."channel" AS "_d_channel",
      CAST(DATE_TRUNC(
        'MONTH',
        "t59"."reply_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t59"."reply_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t59"."reply_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t59"."reply_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t59"."reply_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t59"."reply_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t59"."reply_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM (
      SELECT
        "t58".*
        EXCLUDE ("_first")
      FROM (
        SELECT
          "t57"."ticket_id",
          "t57"."wait_start",
          "t57"."reply_at",
          "t57"."channel",
          "t57"."category",
          "t57"."priority",
          "t57"."team",
          "t57"."agent_id",
          "t57"."brand",
          "t57"."product",
          "t57"."language",
          "t57"."customer_id",
          "t57"."status",
          "t57"."created_by",
          "t57"."wait_s",
          "t57"."_first",
          COALESCE("t57"."reply_at" <= "t57"."_first", TRUE) AS "is_first"
        FROM (
          SELECT
            "t56".*
            EXCLUDE ("_tid")
          FROM (
            SELECT
              "t55"."ticket_id",
              "t55"."wait_start",
              "t55"."reply_at",
              "t55"."channel",
              "t55"."category",
              "t55"."priority",
              "t55"."team",
              "t55"."agent_id",
              "t55"."brand",
              "t55"."product",
              "t55"."language",
              "t55"."customer_id",
              "t55"."status",
              "t55"."created_by",
              "t55"."wait_s",
              "t49"."_tid",
              "t49"."_first"
            FROM (
              SELECT
                "t53"."ticket_id",
                "t53"."wait_start",
                "t53"."reply_at",
                "t53"."channel",
                "t53"."category",
                "t53"."priority",
                "t53"."team",
                "t53"."agent_id",
                "t53"."brand",
                "t53"."product",
                "t53"."language",
                "t53"."customer_id",
                "t53"."status",
                "t53"."created_by",
                CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t53"."reply_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t53"."wait_start") AS TIMESTAMP)) AS DOUBLE) AS "wait_s"
              FROM (
                SELECT
                  "t52"."ticket_id",
                  "t52"."wait_start",
                  "t52"."reply_at",
                  "t50"."channel",
                  "t50"."category",
                  "t50"."priority",
                  "t50"."team",
                  "t50"."agent_id",
                  "t50"."brand",
                  "t50"."product",
                  "t50"."language",
                  "t50"."customer_id",
                  "t50"."status",
                  "t50"."created_by"
                FROM (
                  SELECT
                    *
                  FROM (
                    SELECT
                      "t44"."ticket_id",
                      "t44"."wait_start",
                      "t44"."reply_at"
                    FROM (
                      SELECT
                        "t41"."ticket_id",
                        "t41"."_grp",
                        MIN("t41"."created_at") FILTER(WHERE
                          "t41"."is_customer") AS "wait_start",
                        MIN("t41"."created_at") FILTER(WHERE
                          "t41"."is_reply") AS "reply_at"
                      FROM (
                        SELECT
                          *
                        FROM (
                          SELECT
                            "t34"."message_id",
                            "t34"."ticket_id",
                            "t34"."created_at",
                            "t34"."author_type",
                            "t34"."author_id",
                            "t34"."public",
                            "t34"."channel",
                            "t34"."_rn",
                            "t34"."is_reply",
                            "t34"."is_customer",
                            "t34"."_prev",
                            "t34"."_start",
                            SUM("t34"."_start") OVER (
                              PARTITION BY "t34"."ticket_id"
                              ORDER BY "t34"."created_at" ASC, "t34"."message_id" ASC
                              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                            ) AS "_grp"
                          FROM (
                            SELECT
                              "t31"."message_id",
                              "t31"."ticket_id",
                              "t31"."created_at",
                              "t31"."author_type",
                              "t31"."author_id",
                              "t31"."public",
                              "t31"."channel",
                              "t31"."_rn",
                              "t31"."is_reply",
                              "t31"."is_customer",
                              "t31"."_prev",
                              CAST("t31"."is_customer"
                              AND (
                                (
                                  "t31"."_prev" IS NULL
                                ) OR NOT (
                                  "t31"."_prev"
                                )
                              ) AS BIGINT) AS "_start"
                            FROM (
                              SELECT
                                "t26"."message_id",
                                "t26"."ticket_id",
                                "t26"."created_at",
                                "t26"."author_type",
                                "t26"."author_id",
                                "t26"."public",
                                "t26"."channel",
                                "t26"."_rn",
                                "t26"."is_reply",
                                "t26"."is_customer",
                                LAG("t26"."is_customer") OVER (
                                  PARTITION BY "t26"."ticket_id"
                                  ORDER BY "t26"."created_at" ASC, "t26"."message_id" ASC
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                ) AS "_prev"
                              FROM (
                                SELECT
                                  *
                                FROM "t21" AS "t23"
                                WHERE
                                  "t23"."is_customer" OR "t23"."is_reply"
                              ) AS "t26"
                            ) AS "t31"
                          ) AS "t34"
                        ) AS "t38"
                        WHERE
                          "t38"."_grp" > 0
                      ) AS "t41"
                      GROUP BY
                        1,
                        2
                    ) AS "t44"
                    WHERE
                      "t44"."reply_at" IS NOT NULL
                  ) AS "t48"
                  UNION ALL
                  SELECT
                    *
                  FROM (
                    SELECT
                      "t39"."ticket_id",
                      "t39"."created_at" AS "wait_start",
                      "t39"."first_reply_at" AS "reply_at"
                    FROM "t37" AS "t39"
                    WHERE
                      NOT (
                        "t39"."has_messages"
                      )
                      AND "t39"."first_reply_at" IS NOT NULL
                      AND (
                        (
                          "t39"."created_by" IS NULL
                        ) OR (
                          "t39"."created_by" <> 'agent'
                        )
                      )
                  ) AS "t42"
                ) AS "t52"
                INNER JOIN (
                  SELECT
                    "t45"."ticket_id",
                    "t45"."channel",
                    "t45"."category",
                    "t45"."priority",
                    "t45"."team",
                    "t45"."agent_id",
                    "t45"."brand",
                    "t45"."product",
                    "t45"."language",
                    "t45"."customer_id",
                    "t45"."status",
                    "t45"."created_by"
                  FROM (
                    SELECT
                      "t43".*
                      EXCLUDE ("ticket_id_right")
                    FROM (
                      SELECT
                        "t40"."ticket_id",
                        "t40"."created_at",
                        "t40"."channel",
                        "t40"."category",
                        "t40"."priority",
                        "t40"."team",
                        "t40"."agent_id",
                        "t40"."brand",
                        "t40"."product",
                        "t40"."language",
                        "t40"."customer_id",
                        "t40"."status",
                        "t40"."created_by",
                        "t40"."has_messages",
                        "t40"."has_status_changes",
                        "t40"."first_reply_at",
                        "t40"."replies",
                        "t40"."reply_agents",
                        "t40"."reopens",
                        "t40"."is_resolved",
                        "t40"."first_resolved_at",
                        "t40"."resolved_at",
                        "t40"."handle_seconds",
                        "t40"."next_contact_at",
                        "t36"."ticket_id" AS "ticket_id_right",
                        "t36"."requester_wait_s",
                        "t36"."agent_wait_s",
                        "t36"."on_hold_s"
                      FROM "t37" AS "t40"
                      LEFT OUTER JOIN (
                        SELECT
                          "t32"."ticket_id",
                          SUM("t32"."span_s") FILTER(WHERE
                            "t32"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
                          SUM("t32"."span_s") FILTER(WHERE
                            "t32"."status" IN ('pending')) AS "agent_wait_s",
                          SUM("t32"."span_s") FILTER(WHERE
                            "t32"."status" IN ('on_hold')) AS "on_hold_s"
                        FROM (
                          SELECT
                            "t30"."ticket_id",
                            "t30"."status",
                            "t30"."span_start",
                            "t30"."span_end",
                            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t30"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t30"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "span_s"
                          FROM (
                            SELECT
                              *
                            FROM (
                              SELECT
                                "t15"."ticket_id",
                                "t15"."to_status" AS "status",
                                "t15"."changed_at" AS "span_start",
                                "t15"."_next" AS "span_end"
                              FROM "t13" AS "t15"
                              WHERE
                                "t15"."_next" IS NOT NULL
                            ) AS "t18"
                            UNION ALL
                            SELECT
                              *
                            FROM (
                              SELECT
                                *
                              FROM (
                                SELECT
                                  "t20"."ticket_id",
                                  COALESCE("t20"."from_status", 'new') AS "status",
                                  "t9"."created_at" AS "span_start",
                                  "t20"."changed_at" AS "span_end"
                                FROM (
                                  SELECT
                                    *
                                  FROM "t13" AS "t15"
                                  WHERE
                                    "t15"."_rn" = 0
                                ) AS "t20"
                                INNER JOIN (
                                  SELECT
                                    "t0"."ticket_id",
                                    "t0"."created_at"
                                  FROM "tickets" AS "t0"
                                ) AS "t9"
                                  ON "t20"."ticket_id" = "t9"."ticket_id"
                              ) AS "t25"
                              WHERE
                                "t25"."span_end" > "t25"."span_start"
                            ) AS "t28"
                          ) AS "t30"
                        ) AS "t32"
                        GROUP BY
                          1
                      ) AS "t36"
                        ON "t40"."ticket_id" = "t36"."ticket_id"
                    ) AS "t43"
                  ) AS "t45"
                ) AS "t50"
                  ON "t52"."ticket_id" = "t50"."ticket_id"
              ) AS "t53"
            ) AS "t55"
            LEFT OUTER JOIN (
              SELECT
                "t45"."ticket_id" AS "_tid",
                "t45"."first_reply_at" AS "_first"
              FROM (
                SELECT
                  "t43".*
                  EXCLUDE ("ticket_id_right")
                FROM (
                  SELECT
                    "t40"."ticket_id",
                    "t40"."created_at",
                    "t40"."channel",
                    "t40"."category",
                    "t40"."priority",
                    "t40"."team",
                    "t40"."agent_id",
                    "t40"."brand",
                    "t40"."product",
                    "t40"."language",
                    "t40"."customer_id",
                    "t40"."status",
                    "t40"."created_by",
                    "t40"."has_messages",
                    "t40"."has_status_changes",
                    "t40"."first_reply_at",
                    "t40"."replies",
                    "t40"."reply_agents",
                    "t40"."reopens",
                    "t40"."is_resolved",
                    "t40"."first_resolved_at",
                    "t40"."resolved_at",
                    "t40"."handle_seconds",
                    "t40"."next_contact_at",
                    "t36"."ticket_id" AS "ticket_id_right",
                    "t36"."requester_wait_s",
                    "t36"."agent_wait_s",
                    "t36"."on_hold_s"
                  FROM "t37" AS "t40"
                  LEFT OUTER JOIN (
                    SELECT
                      "t32"."ticket_id",
                      SUM("t32"."span_s") FILTER(WHERE
                        "t32"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
                      SUM("t32"."span_s") FILTER(WHERE
                        "t32"."status" IN ('pending')) AS "agent_wait_s",
                      SUM("t32"."span_s") FILTER(WHERE
                        "t32"."status" IN ('on_hold')) AS "on_hold_s"
                    FROM (
                      SELECT
                        "t30"."ticket_id",
                        "t30"."status",
                        "t30"."span_start",
                        "t30"."span_end",
                        CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t30"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t30"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "span_s"
                      FROM (
                        SELECT
                          *
                        FROM (
                          SELECT
                            "t15"."ticket_id",
                            "t15"."to_status" AS "status",
                            "t15"."changed_at" AS "span_start",
                            "t15"."_next" AS "span_end"
                          FROM "t13" AS "t15"
                          WHERE
                            "t15"."_next" IS NOT NULL
                        ) AS "t18"
                        UNION ALL
                        SELECT
                          *
                        FROM (
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t20"."ticket_id",
                              COALESCE("t20"."from_status", 'new') AS "status",
                              "t9"."created_at" AS "span_start",
                              "t20"."changed_at" AS "span_end"
                            FROM (
                              SELECT
                                *
                              FROM "t13" AS "t15"
                              WHERE
                                "t15"."_rn" = 0
                            ) AS "t20"
                            INNER JOIN (
                              SELECT
                                "t0"."ticket_id",
                                "t0"."created_at"
                              FROM "tickets" AS "t0"
                            ) AS "t9"
                              ON "t20"."ticket_id" = "t9"."ticket_id"
                          ) AS "t25"
                          WHERE
                            "t25"."span_end" > "t25"."span_start"
                        ) AS "t28"
                      ) AS "t30"
                    ) AS "t32"
                    GROUP BY
                      1
                  ) AS "t36"
                    ON "t40"."ticket_id" = "t36"."ticket_id"
                ) AS "t43"
              ) AS "t45"
            ) AS "t49"
              ON "t55"."ticket_id" = "t49"."_tid"
          ) AS "t56"
        ) AS "t57"
      ) AS "t58"
    ) AS "t59"
    WHERE
      "t59"."reply_at" IS NOT NULL
      AND "t59"."reply_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t59"."reply_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t60"
  GROUP BY
    1,
    2
) AS "t61"
