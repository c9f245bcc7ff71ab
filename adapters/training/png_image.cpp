#include "png_image.hpp"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include "common/error.hpp"

namespace fno::training {

namespace {

// The 5x7 font: seven rows of five pixels per glyph, rows separated by '|'.
const std::map<char, const char*>& Glyphs() {
  static const std::map<char, const char*> glyphs = {
      {'A', ".XXX.|X...X|X...X|XXXXX|X...X|X...X|X...X"}, {'B', "XXXX.|X...X|X...X|XXXX.|X...X|X...X|XXXX."},
      {'C', ".XXX.|X...X|X....|X....|X....|X...X|.XXX."}, {'D', "XXXX.|X...X|X...X|X...X|X...X|X...X|XXXX."},
      {'E', "XXXXX|X....|X....|XXXX.|X....|X....|XXXXX"}, {'F', "XXXXX|X....|X....|XXXX.|X....|X....|X...."},
      {'G', ".XXX.|X...X|X....|X.XXX|X...X|X...X|.XXXX"}, {'H', "X...X|X...X|X...X|XXXXX|X...X|X...X|X...X"},
      {'I', ".XXX.|..X..|..X..|..X..|..X..|..X..|.XXX."}, {'J', "..XXX|...X.|...X.|...X.|...X.|X..X.|.XX.."},
      {'K', "X...X|X..X.|X.X..|XX...|X.X..|X..X.|X...X"}, {'L', "X....|X....|X....|X....|X....|X....|XXXXX"},
      {'M', "X...X|XX.XX|X.X.X|X.X.X|X...X|X...X|X...X"}, {'N', "X...X|X...X|XX..X|X.X.X|X..XX|X...X|X...X"},
      {'O', ".XXX.|X...X|X...X|X...X|X...X|X...X|.XXX."}, {'P', "XXXX.|X...X|X...X|XXXX.|X....|X....|X...."},
      {'Q', ".XXX.|X...X|X...X|X...X|X.X.X|X..X.|.XX.X"}, {'R', "XXXX.|X...X|X...X|XXXX.|X.X..|X..X.|X...X"},
      {'S', ".XXXX|X....|X....|.XXX.|....X|....X|XXXX."}, {'T', "XXXXX|..X..|..X..|..X..|..X..|..X..|..X.."},
      {'U', "X...X|X...X|X...X|X...X|X...X|X...X|.XXX."}, {'V', "X...X|X...X|X...X|X...X|X...X|.X.X.|..X.."},
      {'W', "X...X|X...X|X...X|X.X.X|X.X.X|X.X.X|.X.X."}, {'X', "X...X|X...X|.X.X.|..X..|.X.X.|X...X|X...X"},
      {'Y', "X...X|X...X|.X.X.|..X..|..X..|..X..|..X.."}, {'Z', "XXXXX|....X|...X.|..X..|.X...|X....|XXXXX"},
      {'0', ".XXX.|X...X|X..XX|X.X.X|XX..X|X...X|.XXX."}, {'1', "..X..|.XX..|..X..|..X..|..X..|..X..|.XXX."},
      {'2', ".XXX.|X...X|....X|...X.|..X..|.X...|XXXXX"}, {'3', "XXXXX|...X.|..X..|...X.|....X|X...X|.XXX."},
      {'4', "...X.|..XX.|.X.X.|X..X.|XXXXX|...X.|...X."}, {'5', "XXXXX|X....|XXXX.|....X|....X|X...X|.XXX."},
      {'6', "..XX.|.X...|X....|XXXX.|X...X|X...X|.XXX."}, {'7', "XXXXX|....X|...X.|..X..|.X...|.X...|.X..."},
      {'8', ".XXX.|X...X|X...X|.XXX.|X...X|X...X|.XXX."}, {'9', ".XXX.|X...X|X...X|.XXXX|....X|...X.|.XX.."},
      {'.', ".....|.....|.....|.....|.....|.XX..|.XX.."}, {',', ".....|.....|.....|.....|.XX..|..X..|.X..."},
      {':', ".....|.XX..|.XX..|.....|.XX..|.XX..|....."}, {'=', ".....|.....|XXXXX|.....|XXXXX|.....|....."},
      {'+', ".....|..X..|..X..|XXXXX|..X..|..X..|....."}, {'-', ".....|.....|.....|XXXXX|.....|.....|....."},
      {'(', "...X.|..X..|.X...|.X...|.X...|..X..|...X."}, {')', ".X...|..X..|...X.|...X.|...X.|..X..|.X..."},
      {'/', ".....|....X|...X.|..X..|.X...|X....|....."}, {'%', "XX...|XX..X|...X.|..X..|.X...|X..XX|...XX"},
      {'_', ".....|.....|.....|.....|.....|.....|XXXXX"}, {'|', "..X..|..X..|..X..|..X..|..X..|..X..|..X.."},
      {' ', ".....|.....|.....|.....|.....|.....|....."},
  };
  return glyphs;
}

void PutU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void PutChunk(std::vector<std::uint8_t>& out, const char type[4], const std::vector<std::uint8_t>& data) {
  PutU32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  const uLong crc = crc32(0L, out.data() + start, static_cast<uInt>(out.size() - start));
  PutU32(out, static_cast<std::uint32_t>(crc));
}

}  // namespace

Rgb ColorMap::operator()(double t) const {
  if (std::isnan(t)) return {160, 160, 160};
  t = std::clamp(t, 0.0, 1.0);
  if (t <= stops_.front().position) return stops_.front().color;
  for (std::size_t k = 1; k < stops_.size(); ++k) {
    if (t <= stops_[k].position) {
      const double w = (t - stops_[k - 1].position) / (stops_[k].position - stops_[k - 1].position);
      Rgb c;
      for (int i = 0; i < 3; ++i)
        c[i] = static_cast<std::uint8_t>(std::lround((1 - w) * stops_[k - 1].color[i] + w * stops_[k].color[i]));
      return c;
    }
  }
  return stops_.back().color;
}

ColorMap ColorMap::Saturation() {
  return ColorMap({{0.0, {250, 250, 250}}, {0.02, {222, 235, 247}}, {0.2, {140, 190, 225}}, {0.45, {50, 130, 190}},
                   {0.7, {15, 75, 150}}, {1.0, {30, 15, 80}}});
}

ColorMap ColorMap::Sequential() {
  return ColorMap({{0.0, {60, 10, 90}}, {0.25, {60, 80, 140}}, {0.5, {35, 140, 140}}, {0.75, {95, 200, 95}},
                   {1.0, {250, 230, 40}}});
}

ColorMap ColorMap::Diverging() {
  return ColorMap({{0.0, {35, 80, 160}}, {0.25, {120, 170, 215}}, {0.5, {250, 250, 250}}, {0.75, {235, 140, 110}},
                   {1.0, {175, 25, 40}}});
}

Image::Image(int width, int height, Rgb background) : width_(width), height_(height) {
  FNO_CHECK(width >= 1 && height >= 1 && static_cast<long long>(width) * height <= (1ll << 28), "image of ", width,
            "x", height, " pixels");
  pixels_.resize(static_cast<std::size_t>(width) * height * 3);
  for (std::size_t i = 0; i < pixels_.size(); i += 3) std::copy(background.begin(), background.end(), &pixels_[i]);
}

void Image::Set(int x, int y, Rgb color) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  std::copy(color.begin(), color.end(), &pixels_[(static_cast<std::size_t>(y) * width_ + x) * 3]);
}

Rgb Image::Get(int x, int y) const {
  const std::uint8_t* p = &pixels_[(static_cast<std::size_t>(y) * width_ + x) * 3];
  return {p[0], p[1], p[2]};
}

void Image::FillRect(int x, int y, int w, int h, Rgb color) {
  for (int j = y; j < y + h; ++j)
    for (int i = x; i < x + w; ++i) Set(i, j, color);
}

void Image::Frame(int x, int y, int w, int h, Rgb color) {
  for (int i = x; i < x + w; ++i) {
    Set(i, y, color);
    Set(i, y + h - 1, color);
  }
  for (int j = y; j < y + h; ++j) {
    Set(x, j, color);
    Set(x + w - 1, j, color);
  }
}

void Image::DrawField(int x, int y, const std::vector<double>& field, int nx, int ny, int scale, double lo, double hi,
                      const ColorMap& map) {
  FNO_CHECK(static_cast<long long>(nx) * ny == static_cast<long long>(field.size()), "field of ", field.size(),
            " values for ", nx, "x", ny, " cells");
  const double range = hi > lo ? hi - lo : 1.0;
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i)
      FillRect(x + i * scale, y + j * scale, scale, scale,
               map((field[static_cast<std::size_t>(j) * nx + i] - lo) / range));
}

int Image::DrawText(int x, int y, const std::string& text, int size, Rgb color) {
  const auto& glyphs = Glyphs();
  int cursor = x;
  for (char raw : text) {
    const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(raw)));
    const auto it = glyphs.find(c);
    const char* rows = it != glyphs.end() ? it->second : glyphs.at('_');
    for (int row = 0; row < 7; ++row)
      for (int col = 0; col < 5; ++col)
        if (rows[row * 6 + col] == 'X') FillRect(cursor + col * size, y + row * size, size, size, color);
    cursor += 6 * size;
  }
  return cursor - x;
}

void Image::ColorBar(int x, int y, int w, int h, const ColorMap& map, const std::string& lo_label,
                     const std::string& hi_label, const std::string& title) {
  DrawText(x, y, title);
  const int top = y + TextHeight() + 3;
  for (int i = 0; i < w; ++i) FillRect(x + i, top, 1, h, map(w > 1 ? static_cast<double>(i) / (w - 1) : 0.0));
  Frame(x, top, w, h, {90, 90, 90});
  DrawText(x, top + h + 3, lo_label);
  DrawText(x + w - TextWidth(hi_label), top + h + 3, hi_label);
}

std::vector<std::uint8_t> Image::EncodePng() const {
  std::vector<std::uint8_t> raw;
  raw.reserve(static_cast<std::size_t>(height_) * (1 + 3 * static_cast<std::size_t>(width_)));
  for (int y = 0; y < height_; ++y) {
    raw.push_back(0);  // filter: none
    const auto row = pixels_.begin() + static_cast<std::ptrdiff_t>(y) * width_ * 3;
    raw.insert(raw.end(), row, row + width_ * 3);
  }
  uLongf compressed_size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::uint8_t> compressed(compressed_size);
  FNO_CHECK(compress2(compressed.data(), &compressed_size, raw.data(), static_cast<uLong>(raw.size()), 6) == Z_OK,
            "zlib compression failed");
  compressed.resize(compressed_size);
  std::vector<std::uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<std::uint8_t> header;
  PutU32(header, static_cast<std::uint32_t>(width_));
  PutU32(header, static_cast<std::uint32_t>(height_));
  header.insert(header.end(), {8, 2, 0, 0, 0});  // 8 bits, RGB, deflate, adaptive filtering, no interlace
  PutChunk(png, "IHDR", header);
  PutChunk(png, "IDAT", compressed);
  PutChunk(png, "IEND", {});
  return png;
}

void Image::WritePng(const std::string& path) const {
  const std::vector<std::uint8_t> bytes = EncodePng();
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw Error("PNG '" + path + "': cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) throw Error("PNG '" + path + "': cannot rename " + temporary);
}

}  // namespace fno::training
