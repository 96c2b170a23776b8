-- CreateTable
CREATE TABLE "galleries" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "slug" TEXT NOT NULL,
    "owner_platform" TEXT NOT NULL,
    "owner_user_id" TEXT NOT NULL,
    "owner_chat_id" TEXT,
    "title" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "state" TEXT NOT NULL DEFAULT 'active',
    "expires_at" DATETIME,
    "max_opens" INTEGER,
    "open_count" INTEGER NOT NULL DEFAULT 0,
    "password_hash" TEXT,
    "downloads_allowed" BOOLEAN NOT NULL DEFAULT true,
    "first_open_alerted" BOOLEAN NOT NULL DEFAULT false,
    "alerts_enabled" BOOLEAN NOT NULL DEFAULT true,
    "locale" TEXT
);

-- CreateTable
CREATE TABLE "gallery_images" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "gallery_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "original_name" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "bytes" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "animated" BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT "gallery_images_gallery_id_fkey" FOREIGN KEY ("gallery_id") REFERENCES "galleries" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "visits" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "gallery_id" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "preview_platform" TEXT,
    "ip" TEXT,
    "visitor_key" TEXT,
    "device_type" TEXT,
    "device_vendor" TEXT,
    "device_model" TEXT,
    "browser" TEXT,
    "browser_version" TEXT,
    "os" TEXT,
    "os_version" TEXT,
    "country" TEXT,
    "region" TEXT,
    "city" TEXT,
    "referrer_host" TEXT,
    "language" TEXT,
    "user_agent" TEXT,
    CONSTRAINT "visits_gallery_id_fkey" FOREIGN KEY ("gallery_id") REFERENCES "galleries" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "image_views" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "visit_id" TEXT,
    "gallery_id" TEXT NOT NULL,
    "image_id" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "image_views_visit_id_fkey" FOREIGN KEY ("visit_id") REFERENCES "visits" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "image_views_gallery_id_fkey" FOREIGN KEY ("gallery_id") REFERENCES "galleries" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "image_views_image_id_fkey" FOREIGN KEY ("image_id") REFERENCES "gallery_images" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "visit_daily" (
    "gallery_id" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("gallery_id", "day", "kind"),
    CONSTRAINT "visit_daily_gallery_id_fkey" FOREIGN KEY ("gallery_id") REFERENCES "galleries" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "galleries_slug_key" ON "galleries"("slug");

-- CreateIndex
CREATE INDEX "galleries_owner_platform_owner_user_id_idx" ON "galleries"("owner_platform", "owner_user_id");

-- CreateIndex
CREATE INDEX "gallery_images_hash_idx" ON "gallery_images"("hash");

-- CreateIndex
CREATE UNIQUE INDEX "gallery_images_gallery_id_position_key" ON "gallery_images"("gallery_id", "position");

-- CreateIndex
CREATE INDEX "visits_gallery_id_at_idx" ON "visits"("gallery_id", "at");

-- CreateIndex
CREATE INDEX "image_views_gallery_id_image_id_idx" ON "image_views"("gallery_id", "image_id");

-- CreateIndex
CREATE INDEX "image_views_visit_id_idx" ON "image_views"("visit_id");

