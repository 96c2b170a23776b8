-- AlterTable
ALTER TABLE "visits" ADD COLUMN "link_id" TEXT;

-- CreateTable
CREATE TABLE "gallery_links" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "gallery_id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "first" BOOLEAN NOT NULL DEFAULT false,
    "label" TEXT,
    "platform" TEXT,
    "chat_id" TEXT,
    "chat_name" TEXT,
    "thread" TEXT,
    "shared_by" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "state" TEXT NOT NULL DEFAULT 'enabled',
    "last_open_at" DATETIME,
    CONSTRAINT "gallery_links_gallery_id_fkey" FOREIGN KEY ("gallery_id") REFERENCES "galleries" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "link_visitors" (
    "link_id" TEXT NOT NULL,
    "visitor_key" TEXT NOT NULL,
    "gallery_id" TEXT NOT NULL,

    PRIMARY KEY ("link_id", "visitor_key"),
    CONSTRAINT "link_visitors_link_id_fkey" FOREIGN KEY ("link_id") REFERENCES "gallery_links" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "link_visitors_gallery_id_fkey" FOREIGN KEY ("gallery_id") REFERENCES "galleries" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "gallery_links_slug_key" ON "gallery_links"("slug");

-- CreateIndex
CREATE INDEX "gallery_links_gallery_id_idx" ON "gallery_links"("gallery_id");

-- CreateIndex
CREATE INDEX "link_visitors_gallery_id_idx" ON "link_visitors"("gallery_id");


-- Each existing gallery's slug becomes its first link. The first link's id is its gallery's id (new
-- galleries get the same), so existing visits are filled in without a lookup.
INSERT INTO "gallery_links" ("id", "gallery_id", "slug", "first", "created_at", "state", "last_open_at")
SELECT "g"."id", "g"."id", "g"."slug", true, "g"."created_at", 'enabled',
       (SELECT MAX("v"."at") FROM "visits" "v" WHERE "v"."gallery_id" = "g"."id" AND "v"."kind" = 'human')
FROM "galleries" "g";

UPDATE "visits" SET "link_id" = "gallery_id" WHERE "link_id" IS NULL;

-- Opens by link and unique visitors by link, for the opens counted before links existed (pruned
-- visits included: the daily counts and the visitor keys outlive the details).
INSERT INTO "visit_rollups" ("gallery_id", "dimension", "country", "value", "count")
SELECT "gallery_id", 'link', '', "gallery_id", SUM("count") FROM "visit_daily" WHERE "kind" = 'human'
GROUP BY "gallery_id";

INSERT INTO "link_visitors" ("link_id", "visitor_key", "gallery_id")
SELECT "gallery_id", "visitor_key", "gallery_id" FROM "gallery_visitors";
