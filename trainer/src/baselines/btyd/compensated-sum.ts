/**
 * Neumaier's compensated summation. The likelihoods add thousands of terms that are large next to
 * their total; plain summation leaves rounding noise that swamps the finite-difference gradients.
 */
export class CompensatedSum {
  private sum = 0
  private lost = 0

  add(term: number): void {
    const next = this.sum + term
    this.lost +=
      Math.abs(this.sum) >= Math.abs(term) ? this.sum - next + term : term - next + this.sum
    this.sum = next
  }

  get value(): number {
    return this.sum + this.lost
  }
}
