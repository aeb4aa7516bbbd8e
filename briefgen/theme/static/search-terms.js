// Terms exactly as briefgen/search.py makes them: words folded to lower case without
// accents, as the site language's Snowball stemmer stems them (stop words left out);
// runs of Chinese or Japanese, written without spaces, as every two characters in a row.
var CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff";
var PIECE = new RegExp("[" + CJK + "]+|[^" + CJK + "]+", "g"), IS_CJK = new RegExp("^[" + CJK + "]");

export function norm(s) { return (s || "").toLowerCase().normalize("NFKD").replace(/\p{M}/gu, ""); }

// The terms of a text, as a function of the stop words (folded) and a stemmer (or none).
export function analyser(stop, stemmer) {
  var stopSet = new Set(stop), known = new Map();

  function term(word) {
    if (known.has(word)) return known.get(word);
    var plain = norm(word), found = null;
    if (Array.from(word).length >= 2 && !stopSet.has(plain)) found = norm(stemmer ? stemmer.stemWord(word) : word) || plain;
    known.set(word, found);
    return found;
  }

  return function terms(text) {
    var seen = new Set();
    (text || "").toLowerCase().normalize("NFC").replace(/\p{M}/gu, "").split(/[^\p{L}\p{N}]+/u).forEach(function (w) {
      if (!w) return;
      (/^[\x00-\x7f]*$/.test(w) ? [w] : w.match(PIECE)).forEach(function (piece) {
        if (!IS_CJK.test(piece)) {
          var t = term(piece);
          if (t !== null) seen.add(t);
        } else if (piece.length === 1) {
          if (!stopSet.has(piece)) seen.add(piece);
        } else {
          for (var i = 0; i + 1 < piece.length; i++) seen.add(piece.slice(i, i + 2));
        }
      });
    });
    return Array.from(seen);
  };
}
