package imdb

import "testing"

func BenchmarkFirstLoad(b *testing.B) {
	for b.Loop() {
		if _, _, err := LoadData(Options{NumWords: 10000, NoCache: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCachedLoad(b *testing.B) {
	dir := b.TempDir()
	LoadData(Options{NumWords: 10000, CacheDir: dir})
	for b.Loop() {
		if _, _, err := LoadData(Options{NumWords: 10000, CacheDir: dir}); err != nil {
			b.Fatal(err)
		}
	}
}
