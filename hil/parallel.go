package hil

import "sync"

// Parallel calls f(0) .. f(n-1) on at most workers goroutines and returns
// when all are done. Each run of the bench is single-threaded and
// deterministic, so running several at once changes no result, only the
// wall time.
func Parallel(n, workers int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
