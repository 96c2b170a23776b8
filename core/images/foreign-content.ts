/**
 * Signs that an image file is also another kind of file (a polyglot), in the places the other
 * format's readers look. ZIP readers (and JAR, DOCX, APK...) find an archive by the "end of central
 * directory" record, searched for in the last 65,557 bytes (22-byte record plus the longest
 * comment); PDF readers accept a header anywhere in the first 1024 bytes.
 *
 * A hit is not proof (compressed image data can contain these bytes by chance); the caller then
 * re-encodes the image, which costs a little quality on a rare innocent file and removes the
 * other file for certain.
 */

const ZIP_END_OF_DIRECTORY = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const ZIP_TAIL_WINDOW = 22 + 0xffff;
const PDF_HEADER = Buffer.from('%PDF-', 'latin1');
const PDF_HEAD_WINDOW = 1024;

export function carriesForeignFile(bytes: Buffer): boolean {
  return carriesForeignBytes(bytes.length, (from, to) => bytes.subarray(from, to));
}

/** The same check reading only the two windows it needs, for a file that is not in memory. */
export function carriesForeignBytes(length: number, read: (from: number, to: number) => Buffer): boolean {
  if (read(Math.max(0, length - ZIP_TAIL_WINDOW), length).includes(ZIP_END_OF_DIRECTORY)) return true;
  return read(0, Math.min(length, PDF_HEAD_WINDOW)).includes(PDF_HEADER);
}
