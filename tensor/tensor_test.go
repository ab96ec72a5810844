package tensor

import "testing"

func TestFromDataChecksSize(t *testing.T) {
	if _, err := FromData(make([]float32, 5), 2, 3); err == nil {
		t.Fatal("FromData accepted 5 values for shape (2, 3)")
	}
	x, err := FromData([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := x.Row(1); got[0] != 4 || got[2] != 6 {
		t.Fatalf("Row(1) = %v, want [4 5 6]", got)
	}
}

func TestResizeReuses(t *testing.T) {
	x := New(4, 4)
	p := &x.Data[0]
	x.Resize(2, 3)
	if &x.Data[0] != p || x.Len() != 6 || x.Dim(-1) != 3 {
		t.Fatalf("Resize did not reuse storage or set shape: %v", x.Shape)
	}
	x.Resize(5, 5)
	if x.Len() != 25 {
		t.Fatalf("Resize grow: len %d", x.Len())
	}
}

func TestShapeString(t *testing.T) {
	for _, c := range []struct {
		in   []int
		want string
	}{{[]int{-1, 500, 128}, "(None, 500, 128)"}, {[]int{-1}, "(None,)"}, {[]int{-1, -1, 14}, "(None, None, 14)"}} {
		if got := ShapeString(c.in); got != c.want {
			t.Errorf("ShapeString(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestInt32Float(t *testing.T) {
	ids := &Int32{Shape: []int{1, 3}, Data: []int32{1, 9999, 2}}
	f := ids.Float()
	if f.Data[1] != 9999 || f.Shape[1] != 3 {
		t.Fatalf("Float() = %v", f)
	}
}
